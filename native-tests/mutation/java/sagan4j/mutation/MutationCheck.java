package sagan4j.mutation;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The mutation check of the backward wiring (see native-tests/mutation/README.md):
 * {@code MutationCheck WORK_DIR CLASSES TEST_CLASSES DEPENDENCY_CLASSPATH SOURCE_DIRS TEST_CLASS_NAMES}, the
 * last two comma-separated. For every mutant {@link MutationSites} makes of the .java files under the source
 * directories, it compiles the mutated file alone (in-process javac against the compiled classes) into a
 * shadow directory, loads the tests through a fresh class loader that finds the shadow first
 * ({@link MutantLoaders}), and runs them in this JVM up to the first failure ({@link InProcessTests}). A mutant
 * that every test survives is a hole in the tests (or dead code). Prints one line per mutant and a summary;
 * exit 1 when any mutant survived or did not compile, 2 when the unmutated code already fails, 3 when a mutant
 * made a test hang (caught, but the JVM cannot go on).
 */
public final class MutationCheck {
    private final Path work;
    private final String compileClasspath;
    private final MutantLoaders loaders;
    private final InProcessTests runner = new InProcessTests();
    private final List<String> tests;
    private final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    private final StandardJavaFileManager files;
    private long timeoutSeconds = 600;

    private MutationCheck(Path work, Path classes, Path testClasses, String dependencies, List<String> tests) {
        this.work = work;
        this.compileClasspath = classes + File.pathSeparator + dependencies;
        this.loaders = new MutantLoaders(classes, testClasses);
        this.tests = tests;
        this.files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: MutationCheck WORK_DIR CLASSES TEST_CLASSES DEPENDENCY_CLASSPATH SOURCE_DIR[,...] TEST_CLASS[,...]");
            System.exit(2);
        }
        MutationCheck check = new MutationCheck(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), args[3],
                List.of(args[5].split(",")));
        List<MutationSites.Mutant> mutants = new ArrayList<>();
        for (String dir : args[4].split(",")) {
            try (Stream<Path> s = Files.walk(Path.of(dir))) {
                for (Path p : s.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    mutants.addAll(MutationSites.of(p.toString(), Files.readString(p)));
                }
            }
        }
        String only = System.getProperty("mutation.only");   // -Dmutation.only=REGEX: the mutants whose "file:line what" matches
        if (only != null) {
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(only);
            mutants.removeIf(m -> !p.matcher(shortName(m.file()) + ":" + m.line() + " " + m.description()).find());
        }
        if (Boolean.getBoolean("mutation.list")) {   // -Dmutation.list=true: print the mutants, run nothing
            mutants.forEach(m -> System.out.println(shortName(m.file()) + ":" + m.line() + " " + m.description()));
            System.out.println(mutants.size() + " mutants");
            return;
        }
        System.exit(check.run(mutants));
    }

    private int run(List<MutationSites.Mutant> mutants) throws IOException, InterruptedException {
        Path shadow = work.resolve("shadow");
        clear(shadow);
        long t0 = System.nanoTime();
        InProcessTests.Outcome baseline = runTests(shadow);
        long baselineSeconds = (System.nanoTime() - t0) / 1_000_000_000L;
        if (baseline == null || baseline.failed()) {
            System.out.println("the unmutated code fails the tests: " + (baseline == null ? "a hang" : baseline.line()));
            return 2;
        }
        // generous: a mutant that makes a test loop forever is stopped and counted as caught (a hang), never a timing assert
        timeoutSeconds = Math.max(120, 10 * baselineSeconds);
        System.out.println("baseline: " + baseline.line() + " (" + baselineSeconds + " s); " + mutants.size() + " mutants of "
                + mutants.stream().map(MutationSites.Mutant::file).distinct().count() + " files; tests: " + String.join(", ", tests));
        List<String> survivors = new ArrayList<>(), broken = new ArrayList<>();
        int killed = 0, k = 0;
        for (MutationSites.Mutant m : mutants) {
            k++;
            String where = String.format("[%3d/%d] %s:%d %s", k, mutants.size(), shortName(m.file()), m.line(), m.description());
            shadow = work.resolve("shadow-" + k);   // a new directory per mutant: no class loader ever sees a stale one
            clear(shadow);
            String error = compile(m, shadow);
            if (error != null) {
                broken.add(where + ": " + error);
                System.out.println("NOT COMPILED " + where + "\n    " + error);
                continue;
            }
            InProcessTests.Outcome o = runTests(shadow);
            if (o == null) {
                System.out.println("killed   " + where + "\n    by a hang (no result within " + timeoutSeconds
                        + " s); stopping, as the looping test cannot be stopped in this JVM");
                return 3;
            }
            delete(shadow);
            if (o.failed()) {
                killed++;
                System.out.println("killed   " + where + "\n    by " + o.line());
            } else {
                survivors.add(where);
                System.out.println("SURVIVED " + where);
            }
        }
        System.out.println();
        System.out.println("mutation check: " + mutants.size() + " mutants, " + killed + " killed, " + survivors.size()
                + " survived, " + broken.size() + " did not compile");
        survivors.forEach(s -> System.out.println("  survived: " + s));
        broken.forEach(s -> System.out.println("  not compiled: " + s));
        return survivors.isEmpty() && broken.isEmpty() ? 0 : 1;
    }

    /** Compiles the mutated file alone into {@code shadow}; null on success, else the first error. */
    private String compile(MutationSites.Mutant m, Path shadow) {
        String name = m.file().substring(m.file().lastIndexOf(File.separatorChar) + 1);
        JavaFileObject source = new SimpleJavaFileObject(URI.create("string:///" + name), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return m.source();
            }
        };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = List.of("-d", shadow.toString(), "-cp", compileClasspath, "--release", "17", "-implicit:none",
                "-proc:none", "-nowarn", "-encoding", "UTF-8");
        boolean ok = javac.getTask(null, files, diagnostics, options, null, List.of(source)).call();
        if (ok) {
            return null;
        }
        return diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR).findFirst()
                .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(null)).orElse("javac failed");
    }

    private InProcessTests.Outcome runTests(Path shadow) throws IOException, InterruptedException {
        try (java.net.URLClassLoader loader = loaders.forMutant(shadow)) {
            return runner.run(loader, tests, timeoutSeconds);
        }
    }

    private static String shortName(String file) {
        int i = file.indexOf("sagan4j" + File.separator);
        return i < 0 ? file : file.substring(i + "sagan4j/".length());
    }

    private static void clear(Path dir) {
        delete(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
