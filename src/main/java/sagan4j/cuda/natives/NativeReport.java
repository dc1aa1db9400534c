package sagan4j.cuda.natives;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link CudaNatives#load()} found and loaded: one {@link Library} each for the driver, cuBLAS and cuDNN,
 * the directories searched, and what was preloaded. {@link #toText()} is what {@code doctor} prints.
 *
 * @param driver     the CUDA driver ({@code libcuda.so.1}) through {@code JCudaDriver}
 * @param cublas     cuBLAS through {@code JCublas2}
 * @param cudnn      cuDNN 9 through {@code JCudnn}
 * @param searchDirs directories searched for CUDA libraries, in order
 * @param jniDir     directory from which JCuda loaded its JNI libraries (our staged copies)
 * @param preloaded  libraries loaded by absolute path before JCuda, in load order
 * @param warnings   non-fatal findings (python3 not asked, sub-libraries that did not load, ...)
 */
public record NativeReport(Library driver, Library cublas, Library cudnn, List<Path> searchDirs, Path jniDir,
                           List<Path> preloaded, List<String> warnings) {

    public NativeReport {
        searchDirs = List.copyOf(searchDirs);
        preloaded = List.copyOf(preloaded);
        warnings = List.copyOf(warnings);
    }

    /**
     * One CUDA library as seen through its JCuda binding.
     *
     * @param name           "driver", "cublas" or "cudnn"
     * @param loaded         the JCuda class initialised (its JNI library and the CUDA library it needs loaded)
     * @param version        from the library file: the real name after symlinks (e.g. {@code 13.0.2.14} for
     *                       {@code libcublas.so.13.0.2.14}, the driver's {@code 580.95.05}), else the soname major
     * @param runtimeVersion from the library's API ({@code cuDriverGetVersion} as {@code 13.0},
     *                       {@code cublasGetProperty}/{@code cublasGetVersion} or {@code cudnnGetVersion} as
     *                       {@code 9.12.34}); null when not asked or not answered
     * @param path           absolute path of the CUDA library used (as mapped into the process when known)
     * @param jniPath        the JCuda JNI library loaded for it
     * @param relinked       the JNI library was patched (see {@link ElfRelinker})
     * @param relinkDetail   e.g. {@code libcublas.so.12 -> libcublas.so.13 (weak)}; null when not relinked
     * @param reason         one line saying why it is not loaded; null when loaded
     * @param missingSymbols functions the JNI library imports from it that the installed library does not define
     *                       (calling one ends the process with "symbol lookup error"); empty when all are there
     *                       or when the library was not examined
     * @param notes          further one-line findings (sub-libraries that failed, version queries that failed)
     */
    public record Library(String name, boolean loaded, String version, String runtimeVersion, Path path, Path jniPath,
                          boolean relinked, String relinkDetail, String reason, List<String> missingSymbols,
                          List<String> notes) {
        public Library {
            missingSymbols = List.copyOf(missingSymbols);
            notes = List.copyOf(notes);
        }

        public static Library notLoaded(String name, String reason) {
            return new Library(name, false, null, null, null, null, false, null, reason, List.of(), List.of());
        }

        public Library withRuntimeVersion(String v) {
            return new Library(name, loaded, version, v, path, jniPath, relinked, relinkDetail, reason, missingSymbols,
                    notes);
        }

        /** One line, e.g. {@code cublas  loaded  13.0.2.14 (api 13.0.2)  /x/libcublas.so.13  relinked: ...}. */
        public String summary() {
            StringBuilder sb = new StringBuilder(String.format("%-7s ", name));
            if (!loaded) {
                sb.append("NOT LOADED: ").append(reason);
                if (path != null) {
                    sb.append(" [").append(path).append(']');
                }
                return sb.toString();
            }
            sb.append("loaded  ").append(version == null ? "?" : version);
            if (runtimeVersion != null) {
                sb.append(" (api ").append(runtimeVersion).append(')');
            }
            sb.append("  ").append(path == null ? "(path unknown)" : path);
            if (relinked) {
                sb.append("  relinked: ").append(relinkDetail);
            }
            return sb.toString();
        }
    }

    /** The driver, cuBLAS and cuDNN all loaded. */
    public boolean allLoaded() {
        return driver.loaded() && cublas.loaded() && cudnn.loaded();
    }

    /** A copy with cuBLAS's API version set from {@code cublasGetVersion} (e.g. 130002 -> 13.0.2). */
    public NativeReport withCublasVersion(int cublasGetVersion) {
        return new NativeReport(driver, cublas.withRuntimeVersion(decodeMajorMinorPatch100(cublasGetVersion)), cudnn,
                searchDirs, jniDir, preloaded, warnings);
    }

    /** Multi-line text for {@code doctor}. */
    public String toText() {
        List<String> lines = new ArrayList<>();
        lines.add("CUDA natives (JCuda " + CudaNatives.JCUDA_VERSION + ")");
        for (Library l : List.of(driver, cublas, cudnn)) {
            lines.add("  " + l.summary());
            if (l.jniPath() != null) {
                lines.add("          jni: " + l.jniPath());
            }
            if (!l.missingSymbols().isEmpty()) {
                List<String> some = l.missingSymbols().subList(0, Math.min(5, l.missingSymbols().size()));
                lines.add("          missing: " + l.missingSymbols().size() + " functions JCuda binds are not in "
                        + (l.path() == null ? "the library" : l.path().getFileName()) + " (calling one ends the process): "
                        + String.join(", ", some) + (l.missingSymbols().size() > 5 ? ", ..." : ""));
            }
            for (String n : l.notes()) {
                lines.add("          note: " + n);
            }
        }
        lines.add("  search dirs:" + (searchDirs.isEmpty() ? " (none)" : ""));
        for (Path d : searchDirs) {
            lines.add("    " + d);
        }
        if (!preloaded.isEmpty()) {
            lines.add("  preloaded:");
            for (Path p : preloaded) {
                lines.add("    " + p);
            }
        }
        if (jniDir != null) {
            lines.add("  jni dir: " + jniDir);
        }
        for (String w : warnings) {
            lines.add("  warning: " + w);
        }
        return String.join(System.lineSeparator(), lines);
    }

    @Override
    public String toString() {
        return toText();
    }

    /** {@code M*10000 + m*100 + p} (cuBLAS 11+, cuDNN 9) as {@code M.m.p}. */
    static String decodeMajorMinorPatch100(long v) {
        return (v / 10000) + "." + (v % 10000) / 100 + "." + v % 100;
    }

    /** cuDNN's {@code cudnnGetVersion()}: {@code M*10000+m*100+p} from 9 on, {@code M*1000+m*100+p} before. */
    public static String decodeCudnnVersion(long v) {
        if (v >= 90000) {
            return decodeMajorMinorPatch100(v);
        }
        return (v / 1000) + "." + (v % 1000) / 100 + "." + v % 100;
    }

    /** {@code cuDriverGetVersion}: {@code 1000*major + 10*minor} as {@code major.minor}. */
    public static String decodeDriverApiVersion(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }
}
