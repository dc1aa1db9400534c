package sagan4j.cuda.natives;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The ordered list of directories in which CUDA libraries are looked for, and look-ups in it.
 *
 * <p>{@link #fromEnvironment()} builds the default order: {@code SAGAN4J_CUDA_LIBS}, {@code LD_LIBRARY_PATH},
 * {@code CUDA_HOME}/{@code CUDA_PATH}, {@code /usr/local/cuda*}, system directories, then the
 * {@code nvidia/**}{@code /lib} directories of Python site-packages (where PyTorch's wheels put cuBLAS and
 * cuDNN). {@link #of(List, List)} takes the directories (and site-packages roots) explicitly, for tests.
 */
public final class LibrarySearch {

    /** Environment variable with colon-separated directories searched first. */
    public static final String ENV_LIBS = "SAGAN4J_CUDA_LIBS";

    static final List<String> SYSTEM_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64",
            "/usr/lib", "/usr/local/lib");

    private static final int NVIDIA_WALK_DEPTH = 4;
    private static final long PYTHON_TIMEOUT_MS = 5000;

    private final List<Path> dirs;
    private final List<String> notes;

    private LibrarySearch(List<Path> dirs, List<String> notes) {
        this.dirs = List.copyOf(dirs);
        this.notes = new CopyOnWriteArrayList<>(notes);
    }

    /**
     * Explicit search: {@code libDirs} in order, then every {@code nvidia/**}{@code /lib} directory under each
     * of {@code sitePackages} (a site-packages directory, or any root holding an {@code nvidia} folder).
     * Directories that do not exist are dropped; duplicates keep their first place.
     */
    public static LibrarySearch of(List<Path> libDirs, List<Path> sitePackages) {
        Builder b = new Builder();
        libDirs.forEach(b::add);
        sitePackages.forEach(b::addNvidiaLibs);
        return b.build();
    }

    /** Explicit search over exactly these directories. */
    public static LibrarySearch ofDirs(List<Path> libDirs) {
        return of(libDirs, List.of());
    }

    /** The default search, from this process's environment (asks {@code python3} for its site-packages). */
    public static LibrarySearch fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home", "/")), true);
    }

    /**
     * The default search from a given environment and home directory.
     *
     * @param askPython run {@code python3 -c "import site; ..."} (5 s limit) for further site-packages
     */
    public static LibrarySearch fromEnvironment(Map<String, String> env, Path home, boolean askPython) {
        Builder b = new Builder();
        splitPath(env.get(ENV_LIBS)).forEach(b::add);
        splitPath(env.get("LD_LIBRARY_PATH")).forEach(b::add);
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                b.add(Path.of(v, "lib64"));
                b.add(Path.of(v, "targets", "x86_64-linux", "lib"));
            }
        }
        for (Path cuda : glob(Path.of("/usr/local"), "cuda", b.notes)) {
            b.add(cuda.resolve("lib64"));
            b.add(cuda.resolve("targets/x86_64-linux/lib"));
        }
        SYSTEM_DIRS.forEach(d -> b.add(Path.of(d)));

        // Python site-packages: the active environment first (its wheels are what the user runs), then the
        // interpreter's own answer, then the usual places.
        List<Path> roots = new ArrayList<>();
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                for (Path py : glob(Path.of(v, "lib"), "python3", b.notes)) {
                    roots.add(py.resolve("site-packages"));
                }
            }
        }
        if (askPython) {
            roots.addAll(pythonSitePackages(b.notes));
        }
        for (Path py : glob(home.resolve(".local/lib"), "python3", b.notes)) {
            roots.add(py.resolve("site-packages"));
        }
        for (String base : List.of("/usr/local/lib", "/usr/lib")) {
            for (Path py : glob(Path.of(base), "python3", b.notes)) {
                roots.add(py.resolve("site-packages"));
                roots.add(py.resolve("dist-packages"));
            }
        }
        for (Path py : glob(Path.of("/opt/conda/lib"), "python3", b.notes)) {
            roots.add(py.resolve("site-packages"));
        }
        for (Path version : glob(home.resolve(".pyenv/versions"), "", b.notes)) {
            for (Path py : glob(version.resolve("lib"), "python3", b.notes)) {
                roots.add(py.resolve("site-packages"));
            }
        }
        roots.forEach(b::addNvidiaLibs);
        return b.build();
    }

    /** The directories searched, in order (existing directories only, absolute and normalised). */
    public List<Path> dirs() {
        return dirs;
    }

    /** Things worth knowing about how the list was built (e.g. python3 could not be asked). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The first {@code dir/fileName} that exists as a file, in search order. */
    public Optional<Path> find(String fileName) {
        return find(fileName, null);
    }

    /** Like {@link #find(String)}, looking in {@code firstDir} (e.g. the directory of a dependent) first. */
    public Optional<Path> find(String fileName, Path firstDir) {
        if (firstDir != null) {
            Path p = firstDir.resolve(fileName);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        for (Path d : dirs) {
            Path p = d.resolve(fileName);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Files named {@code stem.so.N} or {@code stem.so.N.x.y...} by major {@code N}, highest first; for each major
     * the first match in search order, preferring the soname file {@code stem.so.N} within a directory.
     */
    public TreeMap<Integer, Path> byMajor(String stem) {
        Pattern p = Pattern.compile(Pattern.quote(stem) + "\\.so\\.(\\d+)((?:\\.\\d+)*)");
        TreeMap<Integer, Path> out = new TreeMap<>(Comparator.reverseOrder());
        for (Path d : dirs) {
            TreeMap<Integer, List<Path>> here = new TreeMap<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, stem + ".so.*")) {
                for (Path f : ds) {
                    Matcher m = p.matcher(f.getFileName().toString());
                    if (m.matches() && Files.isRegularFile(f)) {
                        here.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>()).add(f);
                    }
                }
            } catch (IOException e) {
                notes.add("could not list " + d + ": " + e);
                continue;
            }
            here.forEach((major, files) -> {
                Path soname = d.resolve(stem + ".so." + major);
                Path pick = files.contains(soname) ? soname
                        : files.stream().min(Comparator.comparing(Path::toString)).orElseThrow();
                out.putIfAbsent(major, pick);
            });
        }
        return out;
    }

    @Override
    public String toString() {
        return "LibrarySearch" + dirs;
    }

    // ---------------------------------------------------------------- helpers

    static List<Path> splitPath(String value) {
        List<Path> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String s : value.split(":")) {
            if (!s.isBlank()) {
                out.add(Path.of(s.trim()));
            }
        }
        return out;
    }

    /**
     * Sub-directories of {@code parent} whose name starts with {@code prefix}: the exact name {@code prefix}
     * first, then the others in descending name order (newest version first).
     */
    static List<Path> glob(Path parent, String prefix, List<String> notes) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return out;
        }
        try (Stream<Path> s = Files.list(parent)) {
            s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).forEach(out::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            notes.add("could not list " + parent + ": " + e);
            return out;
        }
        out.sort(Comparator.comparing((Path p) -> !p.getFileName().toString().equals(prefix))
                .thenComparing(p -> p.getFileName().toString(), Comparator.reverseOrder()));
        return out;
    }

    private static List<Path> pythonSitePackages(List<String> notes) {
        List<Path> out = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder("python3", "-c",
                "import site; print(site.getsitepackages()); print(site.getusersitepackages())");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            notes.add("python3 not run (" + e.getMessage() + "); its site-packages were not searched");
            return out;
        }
        try {
            proc.getOutputStream().close();
            if (!proc.waitFor(PYTHON_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                proc.destroyForcibly();
                notes.add("python3 did not answer within 5 s; its site-packages were not searched");
                return out;
            }
            String text;
            try (InputStream in = proc.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (proc.exitValue() != 0) {
                notes.add("python3 -c 'import site' exited with " + proc.exitValue());
                return out;
            }
            out.addAll(parsePythonSiteOutput(text));
        } catch (IOException e) {
            notes.add("python3 output not read: " + e.getMessage());
        } catch (InterruptedException e) {
            proc.destroyForcibly();
            Thread.currentThread().interrupt();
            notes.add("interrupted while asking python3 for its site-packages");
        }
        return out;
    }

    /** Parses {@code print(site.getsitepackages()); print(site.getusersitepackages())}. */
    static List<Path> parsePythonSiteOutput(String text) {
        List<Path> out = new ArrayList<>();
        String[] lines = text.split("\\R");
        if (lines.length > 0) {
            Matcher m = Pattern.compile("'([^']*)'|\"([^\"]*)\"").matcher(lines[0]);
            while (m.find()) {
                String s = m.group(1) != null ? m.group(1) : m.group(2);
                if (s.startsWith("/")) {
                    out.add(Path.of(s));
                }
            }
        }
        if (lines.length > 1 && lines[1].trim().startsWith("/")) {
            out.add(Path.of(lines[1].trim()));
        }
        return out;
    }

    private static final class Builder {
        final Set<Path> dirs = new LinkedHashSet<>();
        final List<String> notes = new ArrayList<>();

        /** Adds an existing directory once, by real path (/usr/local/cuda is usually a link to cuda-13.0). */
        void add(Path p) {
            Path abs = p.toAbsolutePath().normalize();
            if (!Files.isDirectory(abs)) {
                return;
            }
            try {
                dirs.add(abs.toRealPath());
            } catch (IOException e) {
                notes.add("search dir " + abs + " skipped: " + e);
            }
        }

        void addNvidiaLibs(Path sitePackages) {
            Path nvidia = sitePackages.toAbsolutePath().normalize().resolve("nvidia");
            if (!Files.isDirectory(nvidia)) {
                return;
            }
            List<Path> found = new ArrayList<>();
            try (Stream<Path> s = Files.walk(nvidia, NVIDIA_WALK_DEPTH)) {
                s.filter(p -> p.getFileName().toString().equals("lib") && Files.isDirectory(p)).forEach(found::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                notes.add("could not list " + nvidia + ": " + e.getMessage());
            }
            found.sort(Comparator.comparing(Path::toString));
            found.forEach(this::add);
        }

        LibrarySearch build() {
            return new LibrarySearch(new ArrayList<>(dirs), notes);
        }
    }
}
