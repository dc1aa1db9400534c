package sagan4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import sagan4j.backend.Backend;
import sagan4j.bench.BenchCase;
import sagan4j.bench.Benches;
import sagan4j.cli.Main;
import sagan4j.io.Json;
import sagan4j.models.GanConfig;
import sagan4j.ops.Op;
import sagan4j.ops.Ops;

/**
 * What the docs state that the code can check: lists and counts in README.md, docs/architecture.md and
 * native-tests/README.md against the registries, the command tree and the source files they describe, so a
 * doc cannot drift from the code unnoticed. (The README's embedding snippets and fuzz counts have their own
 * tests: ReadmeExamplesTest, ReadmeFuzzCountsTest.) Dated measurements under bench/results/ are history and
 * are not checked.
 */
class DocNumbersTest {
    private static final Path README = Path.of("README.md");
    private static final Path NATIVE_README = Path.of("native-tests", "README.md");

    /**
     * The op names in the README's `op` row ("`op --list` shows every op ...: `gemm`, ...", where
     * `x(-backward)` stands for `x` and `x-backward`) equal the names {@link Ops} registers.
     */
    @Test
    void readmeListsEveryOp() throws IOException {
        String row = line(README, "| `op NAME");
        String list = row.substring(row.indexOf("shows every op"));
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("`([a-z0-9-]+)(\\(-backward\\))?`").matcher(list);
        while (m.find()) {
            documented.add(m.group(1));
            if (m.group(2) != null) {
                documented.add(m.group(1) + "-backward");
            }
        }
        Set<String> registered = new TreeSet<>(Ops.all().stream().map(Op::name).toList());
        assertEquals(registered, documented, "README's op list vs Ops.all()");
    }

    /** The bench cases the README's `bench` row lists ("`bench --list`: `gemm`, ...") equal {@link Benches}. */
    @Test
    void readmeListsEveryBenchCase() throws IOException {
        String row = line(README, "| `bench KERNEL");
        String list = row.substring(row.indexOf("`bench --list`"));
        List<String> documented = backticked(list.substring(list.indexOf(':'), list.lastIndexOf('|')));
        List<String> registered = Benches.all().stream().map(BenchCase::name).toList();
        assertEquals(registered, documented, "README's bench --list vs Benches.all(), in --list order");
    }

    /**
     * The README's commands table has one row per command of the picocli tree (sub-commands such as
     * `bench step` included) and no row for a command that does not exist: each row's first cell names a
     * command path by its leading words.
     */
    @Test
    void readmeCommandsTableIsTheCommandTree() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int from = lines.indexOf("## Commands");
        assertTrue(from >= 0, "README section ## Commands");
        CommandLine root = new CommandLine(new Main());
        Set<String> documented = new TreeSet<>();
        for (int i = from + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String l = lines.get(i);
            if (!l.startsWith("| `")) {
                continue;
            }
            String cell = l.substring(1, l.indexOf(" | "));
            for (String usage : backticked(cell)) {
                documented.add(commandPath(root, usage));
            }
        }
        Set<String> commands = new TreeSet<>();
        collect(root, "", commands);
        assertEquals(commands, documented, "README's commands table vs the picocli command tree");
    }

    /**
     * The presets the README names (`--preset a|b|...`) are exactly the keys of bench/peers/presets.json
     * (which PeerPresetTableTest keeps equal to the models) and each one is a {@link GanConfig} preset.
     */
    @Test
    void readmeNamesEveryPreset() throws IOException {
        Matcher m = Pattern.compile("`--preset ([a-z0-9|]+)`").matcher(Files.readString(README));
        assertTrue(m.find(), "README states `--preset a|b|...`");
        List<String> documented = List.of(m.group(1).split("\\|"));
        for (String p : documented) {
            assertEquals(p, GanConfig.preset(p).preset(), "GanConfig.preset(" + p + ")");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> table = (Map<String, Object>) Json.parse(Files.readString(Path.of("bench", "peers", "presets.json")));
        assertEquals(new TreeSet<>(table.keySet()), new TreeSet<>(documented), "README's presets vs presets.json");
    }

    /**
     * native-tests/README.md names every native test class (a class under native-tests/java tagged
     * {@code native}) and no class that does not exist; its count ("The N test classes") is their number.
     */
    @Test
    void nativeTestReadmeNamesEveryNativeTestClass() throws IOException {
        Set<String> classes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("native-tests", "java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (Files.readString(f).contains("@Tag(\"native\")")) {
                    classes.add(f.getFileName().toString().replace(".java", ""));
                }
            }
        }
        String doc = Files.readString(NATIVE_README);
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("\\b([A-Z][A-Za-z0-9]*NativeTest)\\b").matcher(doc);
        while (m.find()) {
            named.add(m.group(1));
        }
        assertEquals(classes, named, "native-tests/README.md's test classes vs native-tests/java");
        Matcher count = Pattern.compile("The (\\d+) test classes").matcher(doc);
        assertTrue(count.find(), "native-tests/README.md states 'The N test classes'");
        assertEquals(classes.size(), Integer.parseInt(count.group(1)), "native-tests/README.md's count of test classes");
    }

    /** native-tests/README.md's list of kernel files that never ran on a GPU is exactly kernels/*.cu. */
    @Test
    void nativeTestReadmeListsEveryKernelFile() throws IOException {
        String doc = Files.readString(NATIVE_README);
        int at = doc.indexOf("## Kernels that have never run on a GPU");
        assertTrue(at >= 0, "section on kernels that have never run on a GPU");
        int end = doc.indexOf("\n\n", doc.indexOf("All of them", at));
        String para = doc.substring(at, end < 0 ? doc.length() : end);
        Set<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("`(?:kernels/)?([a-z_]+\\.cu)`").matcher(para);
        while (m.find()) {
            listed.add(m.group(1));
        }
        assertEquals(kernelFiles(), listed, "native-tests/README.md's kernel files vs kernels/*.cu");
    }

    /**
     * docs/architecture.md's "N implementations of `Backend`" is the number of concrete {@link Backend}
     * subclasses among the top-level classes of src/main/java, and each is named in that section.
     */
    @Test
    void architectureCountsTheBackends() throws IOException, ClassNotFoundException {
        List<Class<?>> concrete = new ArrayList<>();
        Path root = Path.of("src", "main", "java");
        try (Stream<Path> files = Files.walk(root.resolve("sagan4j"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.java$", "");
                Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                if (Backend.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) {
                    concrete.add(c);
                }
            }
        }
        String doc = Files.readString(Path.of("docs", "architecture.md"));
        Matcher m = Pattern.compile("([A-Z][a-z]+) implementations of `Backend`").matcher(doc);
        assertTrue(m.find(), "docs/architecture.md states 'N implementations of `Backend`'");
        List<String> words = List.of("One", "Two", "Three", "Four", "Five", "Six");
        assertEquals(concrete.size(), words.indexOf(m.group(1)) + 1, "backends counted in docs/architecture.md: " + concrete);
        String section = doc.substring(m.start(), doc.indexOf("\n## ", m.start()));
        for (Class<?> c : concrete) {
            assertTrue(section.contains("`" + c.getSimpleName() + "`"), c.getSimpleName() + " named in docs/architecture.md");
        }
    }

    /**
     * The README's Layout line "SASS sm_A…sm_B + PTX compute_C" matches kernels/build.sh: A its lowest
     * architecture, B its highest (the PTX line's SASS), C the PTX target.
     */
    @Test
    void readmeStatesTheBuiltArchitectures() throws IOException {
        String build = Files.readString(Path.of("kernels", "build.sh"));
        Matcher archs = Pattern.compile("(?m)^archs=\\(([0-9 ]+)\\)").matcher(build);
        assertTrue(archs.find(), "kernels/build.sh archs=(...)");
        int lowest = Stream.of(archs.group(1).trim().split(" +")).mapToInt(Integer::parseInt).min().orElseThrow();
        Matcher ptx = Pattern.compile("arch=compute_(\\d+),code=\\[sm_(\\d+),compute_(\\d+)\\]").matcher(build);
        assertTrue(ptx.find(), "kernels/build.sh PTX gencode");
        Matcher doc = Pattern.compile("SASS sm_(\\d+)…sm_(\\d+) \\+ PTX compute_(\\d+)").matcher(Files.readString(README));
        assertTrue(doc.find(), "README states SASS sm_A…sm_B + PTX compute_C");
        assertEquals(List.of(lowest, Integer.parseInt(ptx.group(2)), Integer.parseInt(ptx.group(3))),
                List.of(Integer.parseInt(doc.group(1)), Integer.parseInt(doc.group(2)), Integer.parseInt(doc.group(3))),
                "README's architectures vs kernels/build.sh");
    }

    /**
     * Every package under src/main/java/sagan4j has a line in the README's Layout block (`  name/` or
     * `  parent/{a,b}/`), so a package added without a word in the README fails here.
     */
    @Test
    void readmeLayoutNamesEveryPackage() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int from = lines.indexOf("src/main/java/sagan4j/");
        assertTrue(from >= 0, "README Layout line src/main/java/sagan4j/");
        Set<String> documented = new TreeSet<>();
        Pattern entry = Pattern.compile("^  ([a-z0-9]+/)?(?:\\{([a-z0-9,]+)\\}|([a-z0-9]+))/\\s");
        for (int i = from + 1; i < lines.size() && lines.get(i).startsWith("  "); i++) {
            Matcher m = entry.matcher(lines.get(i));
            if (m.find()) {
                String parent = m.group(1) == null ? "" : m.group(1);
                for (String name : (m.group(2) != null ? m.group(2) : m.group(3)).split(",")) {
                    documented.add(parent + name);
                }
            }
        }
        Path root = Path.of("src", "main", "java", "sagan4j");
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".java"))
                    .map(p -> root.relativize(p.getParent()).toString())
                    .filter(d -> !d.isEmpty())
                    .forEach(packages::add);
        }
        packages.removeAll(documented);
        assertEquals(Set.of(), packages, "packages without a line in the README's Layout block (documented: " + documented + ")");
    }

    /**
     * Every measurement session under bench/results/ has a README.md saying what it shows and is named in
     * docs/performance.md's index, and every bench/results/ folder that index names exists.
     */
    @Test
    void performanceIndexesEveryResultsFolder() throws IOException {
        Path results = Path.of("bench", "results");
        Set<String> folders = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(results)) {
            dirs.filter(Files::isDirectory).forEach(d -> folders.add(d.getFileName().toString()));
        }
        String doc = Files.readString(Path.of("docs", "performance.md"));
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("`(?:bench/results/)?(\\d{4}-\\d{2}-\\d{2}[a-z0-9-]*)/`").matcher(doc);
        while (m.find()) {
            named.add(m.group(1));
        }
        assertEquals(folders, named, "bench/results/ folders vs those docs/performance.md names");
        for (String f : folders) {
            assertTrue(Files.isRegularFile(results.resolve(f).resolve("README.md")), "bench/results/" + f + "/README.md");
        }
    }

    /**
     * docs/architecture.md's dependency table ("| `pkg` | `a`, `b` |", one row per top-level package under
     * src/main/java/sagan4j, sub-packages folded into their parent) states exactly the sagan4j packages each
     * one's code names outside comments (imports and qualified names), so a new import across packages, or a
     * stale claim such as "models import only backend", fails here.
     */
    @Test
    void architectureDependencyTableIsTheImports() throws IOException {
        Path root = Path.of("src", "main", "java", "sagan4j");
        Map<String, Set<String>> actual = new java.util.TreeMap<>();
        Pattern reference = Pattern.compile("\\bsagan4j\\.([a-z0-9]+)\\.");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = root.relativize(f);
                if (rel.getNameCount() < 2) {
                    continue;
                }
                String pkg = rel.getName(0).toString();
                String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
                Set<String> deps = actual.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = reference.matcher(code);
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        deps.add(m.group(1));
                    }
                }
            }
        }
        List<String> lines = Files.readAllLines(Path.of("docs", "architecture.md"));
        int from = lines.indexOf("## Dependencies");
        assertTrue(from >= 0, "docs/architecture.md section ## Dependencies");
        Map<String, Set<String>> documented = new java.util.TreeMap<>();
        Pattern row = Pattern.compile("^\\| `([a-z0-9]+)` \\| ([^|]*) \\|");
        for (int i = from + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            Matcher m = row.matcher(lines.get(i));
            if (m.find()) {
                documented.put(m.group(1), new TreeSet<>(backticked(m.group(2))));
            }
        }
        assertEquals(actual, documented, "docs/architecture.md's dependency table vs the packages each package's code names");
    }

    private static Set<String> kernelFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("kernels"))) {
            return new TreeSet<>(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).toList());
        }
    }

    /** The command path a usage string starts with ("bench step --preset ..." → "bench step"). */
    private static String commandPath(CommandLine root, String usage) {
        CommandLine at = root;
        StringBuilder path = new StringBuilder();
        for (String word : usage.split(" ")) {
            CommandLine sub = at.getSubcommands().get(word);
            if (sub == null) {
                break;
            }
            path.append(path.length() == 0 ? "" : " ").append(word);
            at = sub;
        }
        if (path.length() == 0) {
            fail("README commands row names no command: " + usage);
        }
        return path.toString();
    }

    private static void collect(CommandLine at, String prefix, Set<String> out) {
        for (Map.Entry<String, CommandLine> e : at.getSubcommands().entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + " " + e.getKey();
            out.add(path);
            collect(e.getValue(), path, out);
        }
    }

    private static List<String> backticked(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("`([^`]+)`").matcher(s);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String line(Path file, String prefix) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError(file + ": no line starting " + prefix));
    }
}
