package sagan4j.cuda.natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jcuda.JCudaVersion;
import jcuda.LibUtils;
import jcuda.jcublas.JCublas2;
import jcuda.jcudnn.JCudnn;
import jcuda.driver.JCudaDriver;
import jcuda.libraryPropertyType;

/**
 * Loads JCuda's natives for the driver, cuBLAS and cuDNN on hosts where the CUDA libraries are not where
 * JCuda expects them: only CUDA 13 installed, or cuBLAS/cuDNN inside Python wheels with no
 * {@code LD_LIBRARY_PATH}.
 *
 * <p>{@link #load()} must run before any other code touches {@code JCudaDriver}, {@code JCublas2} or
 * {@code JCudnn} (a JCuda class initialises once per JVM). It
 * <ol>
 *   <li>searches the CUDA libraries ({@link LibrarySearch}), picks the highest cuBLAS major that has a cuBLASLt of
 *       the same major, and {@code System.load}s cuBLAS, cuDNN 9 (with all its sub-libraries) and
 *       {@code libcuda.so.1} by absolute path, dependencies first ({@link NativePreloader});</li>
 *   <li>relinks JCuda's {@code libJCublas2} to the installed cuBLAS major when it is not 12 ({@link ElfRelinker});
 *       weakly when that library defines no matching version node (same for {@code libJCudnn} and
 *       {@code libcudnn.so.9});</li>
 *   <li>writes the JNI libraries to a per-user cache ({@link JniCache}), points {@code java.io.tmpdir} there,
 *       initialises {@code JCudaDriver}, {@code JCublas2} and {@code JCudnn} with exceptions enabled, and
 *       restores {@code java.io.tmpdir};</li>
 *   <li>returns a {@link NativeReport}. A missing driver or library is reported, never thrown.</li>
 * </ol>
 * The first call does the work; later calls return the same report (thread-safe).
 */
public final class CudaNatives {

    /** JCuda version whose natives are on the class path (e.g. 12.6.0). */
    public static final String JCUDA_VERSION = JCudaVersion.get();

    /** The cuBLAS soname JCuda's {@code libJCublas2} is linked against. */
    static final String JCUBLAS_NEEDS = "libcublas.so.12";
    static final String CUDNN_SONAME = "libcudnn.so.9";
    static final String DRIVER_SONAME = "libcuda.so.1";

    /** cuDNN 9 sub-libraries, dlopened by {@code libcudnn.so.9} by soname. */
    static final List<String> CUDNN_SUBLIBRARIES = List.of("libcudnn_graph.so.9", "libcudnn_ops.so.9",
            "libcudnn_cnn.so.9", "libcudnn_adv.so.9", "libcudnn_heuristic.so.9", "libcudnn_engines_precompiled.so.9",
            "libcudnn_engines_runtime_compiled.so.9");

    static final String NO_DRIVER = "no NVIDIA driver (" + DRIVER_SONAME + " not found)";

    /**
     * How to load.
     *
     * @param search    where to look for CUDA libraries; null: {@link LibrarySearch#fromEnvironment()}
     * @param cacheRoot where to stage JCuda's JNI libraries; null: {@code ~/.cache/sagan4j/jcuda-<v>} (see
     *                  {@link JniCache})
     */
    public record Options(LibrarySearch search, Path cacheRoot) {
        public static Options defaults() {
            return new Options(null, null);
        }
    }

    private static final Object LOCK = new Object();
    private static volatile NativeReport report;

    private CudaNatives() {}

    /** Loads with the default search and cache; see the class comment. */
    public static NativeReport load() {
        return load(Options.defaults());
    }

    /** Loads with {@code options}; only the first call in a JVM does the work, later calls return its report. */
    public static NativeReport load(Options options) {
        NativeReport r = report;
        if (r != null) {
            return r;
        }
        synchronized (LOCK) {
            if (report == null) {
                report = new Loader(options).run();
            }
            return report;
        }
    }

    /** The report of an earlier {@link #load}, if any. */
    public static Optional<NativeReport> report() {
        return Optional.ofNullable(report);
    }

    /**
     * Records cuBLAS's {@code cublasGetVersion} (asked by the backend once it has a handle) in the report that
     * {@link #load()} returns from now on.
     */
    public static NativeReport recordCublasVersion(int cublasGetVersion) {
        synchronized (LOCK) {
            if (report == null) {
                throw new IllegalStateException("recordCublasVersion: expected CudaNatives.load() to have run, got no report");
            }
            report = report.withCublasVersion(cublasGetVersion);
            return report;
        }
    }

    /** {@code doctor}: prints the report; exit status 0 when the driver, cuBLAS and cuDNN all loaded, else 1. */
    public static void main(String[] args) {
        NativeReport r = load();
        System.out.println(r.toText());
        System.exit(r.allLoaded() ? 0 : 1);
    }

    static String jniFileName(String base) {
        return LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName(base + "-" + JCUDA_VERSION));
    }

    // ------------------------------------------------------------------------------------------------ loader

    /** One load attempt; fields collect what goes into the report. */
    private static final class Loader {
        final LibrarySearch search;
        final Path cacheRoot;
        final NativePreloader pre;
        final List<String> warnings = new ArrayList<>();

        final String driverJni = jniFileName("JCudaDriver");
        final String cublasJni = jniFileName("JCublas2");
        final String cudnnJni = jniFileName("JCudnn");

        // cuBLAS
        Path cublasPath;
        String cublasSoname;
        final List<String> cublasNotes = new ArrayList<>();
        String cublasRelink;
        List<String> cublasMissing = List.of();
        // cuDNN
        Path cudnnPath;
        final List<String> cudnnNotes = new ArrayList<>();
        String cudnnRelink;
        List<String> cudnnMissing = List.of();
        String cudnnPreloadError;
        // driver
        Path driverPath;
        final List<String> driverNotes = new ArrayList<>();

        Loader(Options options) {
            this.search = options.search() != null ? options.search() : LibrarySearch.fromEnvironment();
            this.cacheRoot = options.cacheRoot() != null ? options.cacheRoot()
                    : JniCache.defaultRoot(System.getenv(), System.getProperty("user.home"),
                    System.getProperty("java.io.tmpdir"), System.getProperty("user.name", "user"), JCUDA_VERSION);
            this.pre = new NativePreloader(search);
        }

        NativeReport run() {
            chooseAndPreloadCublas();
            preloadCudnn();
            preloadDriver();

            Map<String, byte[]> jni = new LinkedHashMap<>();
            Map<String, String> resourceErrors = new LinkedHashMap<>();
            for (String name : List.of(driverJni, cublasJni, cudnnJni)) {
                try {
                    jni.put(name, JniCache.resource("/lib/" + name));
                } catch (IOException e) {
                    resourceErrors.put(name, e.getMessage());
                }
            }
            relinkCublas(jni);
            relinkCudnn(jni);

            Path jniDir = null;
            if (!jni.isEmpty()) {
                try {
                    jniDir = JniCache.stage(cacheRoot, jni);
                } catch (IOException | RuntimeException e) {
                    warnings.add("JNI libraries not staged in " + cacheRoot + " (" + e.getMessage()
                            + "); JCuda extracts its unpatched copies to java.io.tmpdir");
                    cublasRelink = null;
                    cudnnRelink = null;
                }
            }

            String driverError;
            String cublasError;
            String cudnnError;
            String oldTmp = System.getProperty("java.io.tmpdir");
            if (jniDir != null) {
                System.setProperty("java.io.tmpdir", jniDir.toString());
            }
            try {
                driverError = initDriver();
                cublasError = initCublas();
                cudnnError = initCudnn();
            } finally {
                System.setProperty("java.io.tmpdir", oldTmp);
            }

            Set<Path> mapped = Diagnostics.mappedFiles();
            if (mapped.isEmpty()) {
                warnings.add("/proc/self/maps not readable: paths are those found by the search, not those mapped");
            }
            NativeReport.Library driver = driverLibrary(driverError, resourceErrors.get(driverJni), mapped, jniDir);
            NativeReport.Library cublas = cublasLibrary(cublasError, resourceErrors.get(cublasJni), mapped, jniDir);
            NativeReport.Library cudnn = cudnnLibrary(cudnnError, resourceErrors.get(cudnnJni), mapped, jniDir);
            warnings.addAll(0, search.notes());
            return new NativeReport(driver, cublas, cudnn, search.dirs(), jniDir, pre.loadedPaths(), warnings);
        }

        // ---------------------------------------------------------------- cuBLAS

        void chooseAndPreloadCublas() {
            TreeMap<Integer, Path> cublas = search.byMajor("libcublas");
            TreeMap<Integer, Path> lt = search.byMajor("libcublasLt");
            List<Integer> order = new ArrayList<>();
            cublas.keySet().stream().filter(lt::containsKey).forEach(order::add);
            cublas.keySet().stream().filter(m -> !lt.containsKey(m)).forEach(order::add);
            for (int major : order) {
                Path p = cublas.get(major);
                String soname;
                try {
                    soname = ElfFile.read(p).soname().orElse("libcublas.so." + major);
                } catch (IOException | ElfFormatException e) {
                    cublasNotes.add("skipped " + p + ": " + e.getMessage());
                    continue;
                }
                if (soname.length() != JCUBLAS_NEEDS.length()) {
                    cublasNotes.add("skipped " + p + ": expected a soname of " + JCUBLAS_NEEDS.length()
                            + " characters like " + JCUBLAS_NEEDS + ", got " + soname);
                    continue;
                }
                try {
                    if (lt.containsKey(major)) {
                        pre.preload(lt.get(major));
                    } else {
                        cublasNotes.add("no libcublasLt.so." + major + " in the search dirs; left to the linker");
                    }
                    pre.preload(p);
                } catch (NativePreloader.PreloadException e) {
                    cublasNotes.add("cuBLAS " + major + " not usable: " + e.getMessage());
                    continue;
                }
                cublasPath = p;
                cublasSoname = soname;
                return;
            }
        }

        void relinkCublas(Map<String, byte[]> jni) {
            byte[] original = jni.get(cublasJni);
            if (original == null || cublasPath == null) {
                return;
            }
            try {
                ElfFile jniElf = ElfFile.parse(original, cublasJni);
                ElfFile installed = ElfFile.read(cublasPath);
                cublasMissing = ElfRelinker.missingImports(jniElf, JCUBLAS_NEEDS, installed);
                if (cublasSoname.equals(JCUBLAS_NEEDS)) {
                    return;
                }
                String why = ElfRelinker.weakReason(jniElf, JCUBLAS_NEEDS, installed, cublasSoname);
                ElfRelinker.Result r = ElfRelinker.relink(original, JCUBLAS_NEEDS, cublasSoname, why != null);
                jni.put(cublasJni, r.bytes());
                cublasRelink = JCUBLAS_NEEDS + " -> " + cublasSoname
                        + (why != null ? " (weak: " + cublasPath.getFileName() + " " + why + ")" : "");
            } catch (IOException | ElfFormatException e) {
                cublasNotes.add("relink to " + cublasSoname + " failed: " + e.getMessage());
            }
        }

        String initCublas() {
            try {
                JCublas2.setExceptionsEnabled(true);
                return null;
            } catch (LinkageError e) {
                return Diagnostics.linkError(e);
            }
        }

        NativeReport.Library cublasLibrary(String error, String resourceError, Set<Path> mapped, Path jniDir) {
            Path path = findMapped(mapped, n -> n.matches("libcublas\\.so\\.\\d+.*"), cublasPath);
            Path jniPath = findMapped(mapped, cublasJni::equals, null);
            checkJniOrigin("JCublas2", jniPath, jniDir);
            if (error != null || resourceError != null) {
                String reason = resourceError != null ? resourceError : cublasReason(error);
                return new NativeReport.Library("cublas", false, null, null, cublasPath, jniPath, cublasRelink != null,
                        cublasRelink, reason, cublasMissing, cublasNotes);
            }
            String runtime = null;
            if (path != null) {
                try {
                    if (ElfFile.read(path).definesSymbol("cublasGetProperty")) {
                        int[] v = new int[1];
                        JCublas2.cublasGetProperty(libraryPropertyType.MAJOR_VERSION, v);
                        int major = v[0];
                        JCublas2.cublasGetProperty(libraryPropertyType.MINOR_VERSION, v);
                        int minor = v[0];
                        JCublas2.cublasGetProperty(libraryPropertyType.PATCH_LEVEL, v);
                        runtime = major + "." + minor + "." + v[0];
                    } else {
                        cublasNotes.add(path.getFileName() + " exports no cublasGetProperty; api version left to"
                                + " cublasGetVersion");
                    }
                } catch (IOException | RuntimeException e) {
                    cublasNotes.add("cublasGetProperty not asked/answered: " + e.getMessage());
                }
            }
            return new NativeReport.Library("cublas", true, fileVersion(path, "libcublas"), runtime, path, jniPath,
                    cublasRelink != null, cublasRelink, null, cublasMissing, cublasNotes);
        }

        String cublasReason(String error) {
            if (cublasPath == null && error.contains(JCUBLAS_NEEDS)) {
                return "cuBLAS not found: expected libcublas.so.<N> (with libcublasLt.so.<N>) in the search dirs or "
                        + JCUBLAS_NEEDS + " on the linker path, got: " + error;
            }
            return error;
        }

        // ---------------------------------------------------------------- cuDNN

        void preloadCudnn() {
            Optional<Path> found = search.find(CUDNN_SONAME);
            if (found.isEmpty()) {
                return;
            }
            cudnnPath = found.get();
            try {
                pre.preload(cudnnPath);
            } catch (NativePreloader.PreloadException e) {
                cudnnPreloadError = e.getMessage();
                return;
            }
            Path dir = cudnnPath.toAbsolutePath().getParent();
            for (String sub : CUDNN_SUBLIBRARIES) {
                Path p = dir.resolve(sub);
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                try {
                    pre.preload(p);
                } catch (NativePreloader.PreloadException e) {
                    cudnnNotes.add(sub + " not loaded: " + e.getMessage());
                }
            }
        }

        void relinkCudnn(Map<String, byte[]> jni) {
            byte[] original = jni.get(cudnnJni);
            if (original == null || cudnnPath == null || cudnnPreloadError != null) {
                return;
            }
            try {
                ElfFile jniElf = ElfFile.parse(original, cudnnJni);
                ElfFile installed = ElfFile.read(cudnnPath);
                cudnnMissing = ElfRelinker.missingImports(jniElf, CUDNN_SONAME, installed);
                String why = ElfRelinker.weakReason(jniElf, CUDNN_SONAME, installed, CUDNN_SONAME);
                if (why != null) {
                    ElfRelinker.Result r = ElfRelinker.relink(original, CUDNN_SONAME, CUDNN_SONAME, true);
                    jni.put(cudnnJni, r.bytes());
                    cudnnRelink = CUDNN_SONAME + " (weak: " + cudnnPath.getFileName() + " " + why + ")";
                }
            } catch (IOException | ElfFormatException e) {
                cudnnNotes.add("relink failed: " + e.getMessage());
            }
        }

        String initCudnn() {
            try {
                JCudnn.setExceptionsEnabled(true);
                return null;
            } catch (LinkageError e) {
                return Diagnostics.linkError(e);
            }
        }

        NativeReport.Library cudnnLibrary(String error, String resourceError, Set<Path> mapped, Path jniDir) {
            Path path = findMapped(mapped, n -> n.matches("libcudnn\\.so\\.9.*"), cudnnPath);
            Path jniPath = findMapped(mapped, cudnnJni::equals, null);
            checkJniOrigin("JCudnn", jniPath, jniDir);
            if (error != null || resourceError != null) {
                String reason;
                if (resourceError != null) {
                    reason = resourceError;
                } else if (cudnnPreloadError != null) {
                    reason = cudnnPreloadError;
                } else if (cudnnPath == null && error.contains(CUDNN_SONAME)) {
                    reason = "cuDNN not found: expected " + CUDNN_SONAME + " in the search dirs or on the linker path, got: "
                            + error;
                } else {
                    reason = error;
                }
                return new NativeReport.Library("cudnn", false, null, null, cudnnPath, jniPath, cudnnRelink != null,
                        cudnnRelink, reason, cudnnMissing, cudnnNotes);
            }
            String runtime = null;
            try {
                if (path == null || ElfFile.read(path).definesSymbol("cudnnGetVersion")) {
                    runtime = NativeReport.decodeCudnnVersion(JCudnn.cudnnGetVersion());
                } else {
                    cudnnNotes.add(path.getFileName() + " exports no cudnnGetVersion");
                }
            } catch (IOException | RuntimeException e) {
                cudnnNotes.add("cudnnGetVersion not answered: " + e.getMessage());
            }
            return new NativeReport.Library("cudnn", true, fileVersion(path, "libcudnn"), runtime, path, jniPath,
                    cudnnRelink != null, cudnnRelink, null, cudnnMissing, cudnnNotes);
        }

        // ---------------------------------------------------------------- driver

        void preloadDriver() {
            Optional<Path> found = search.find(DRIVER_SONAME);
            if (found.isEmpty()) {
                return;
            }
            try {
                pre.preload(found.get());
                driverPath = found.get();
            } catch (NativePreloader.PreloadException e) {
                driverNotes.add("preload failed, left to the linker: " + e.getMessage());
            }
        }

        String initDriver() {
            try {
                JCudaDriver.setExceptionsEnabled(true);
                return null;
            } catch (LinkageError e) {
                String s = Diagnostics.linkError(e);
                if (e instanceof UnsatisfiedLinkError && s.contains(DRIVER_SONAME)) {
                    return NO_DRIVER;
                }
                return s;
            }
        }

        NativeReport.Library driverLibrary(String error, String resourceError, Set<Path> mapped, Path jniDir) {
            Path path = findMapped(mapped, n -> n.startsWith("libcuda.so"), driverPath);
            Path jniPath = findMapped(mapped, driverJni::equals, null);
            checkJniOrigin("JCudaDriver", jniPath, jniDir);
            if (error != null || resourceError != null) {
                return new NativeReport.Library("driver", false, null, null, driverPath, jniPath, false, null,
                        resourceError != null ? resourceError : error, List.of(), driverNotes);
            }
            String runtime = null;
            try {
                int[] v = new int[1];
                JCudaDriver.cuDriverGetVersion(v);
                runtime = NativeReport.decodeDriverApiVersion(v[0]);
            } catch (RuntimeException e) {
                driverNotes.add("cuDriverGetVersion failed: " + e.getMessage());
            }
            return new NativeReport.Library("driver", true, fileVersion(path, "libcuda"), runtime, path, jniPath, false,
                    null, null, List.of(), driverNotes);
        }

        // ---------------------------------------------------------------- shared

        Path findMapped(Set<Path> mapped, Predicate<String> name, Path fallback) {
            if (fallback != null) {
                Path real = realPath(fallback);
                if (mapped.contains(real)) {
                    return real;
                }
            }
            for (Path p : mapped) {
                if (p.getFileName() != null && name.test(p.getFileName().toString())) {
                    return p;
                }
            }
            return fallback == null ? null : realPath(fallback);
        }

        void checkJniOrigin(String what, Path jniPath, Path jniDir) {
            if (jniPath != null && jniDir != null && !jniDir.equals(jniPath.getParent())) {
                warnings.add(what + " JNI library was loaded from " + jniPath + ", not from " + jniDir
                        + " (java.library.path or an earlier load wins; relinking has no effect)");
            }
        }
    }

    static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * Version from a library's real file name: {@code libcublas.so.13.0.2.14} -> {@code 13.0.2.14},
     * {@code libcuda.so.580.95.05} -> {@code 580.95.05}, {@code libcublas.so.13} -> {@code 13}.
     */
    static String fileVersion(Path path, String stem) {
        if (path == null) {
            return null;
        }
        Matcher m = Pattern.compile(Pattern.quote(stem) + "\\.so\\.(\\d+(?:\\.\\d+)*)").matcher(path.getFileName().toString());
        return m.matches() ? m.group(1) : null;
    }
}
