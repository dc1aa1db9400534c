package sagan4j.cuda.natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds stub CUDA libraries with gcc for the tests. */
final class StubLibs {

    private StubLibs() {}

    static boolean gccAvailable() {
        try {
            return ChildProcess.run(new ProcessBuilder("gcc", "--version")).exit() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Compiles {@code source} into {@code dir/soname}.
     *
     * @param versionNode version node to define for every symbol (null: no version script)
     * @param linkWith    libraries to put in DT_NEEDED, as paths (linked with {@code -l:name} and {@code -L dir})
     */
    static Path build(Path dir, String soname, String source, String versionNode, List<Path> linkWith)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path work = Files.createTempDirectory(dir.getParent(), "build-" + soname + "-");
        Path c = work.resolve("stub.c");
        Files.writeString(c, source);
        Path out = dir.resolve(soname);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-o", out.toString(),
                "-Wl,-soname," + soname));
        if (versionNode != null) {
            Path map = work.resolve("v.map");
            Files.writeString(map, versionNode + " { global: *; };\n");
            cmd.add("-Wl,--version-script=" + map);
        }
        cmd.add(c.toString());
        cmd.add("-Wl,--no-as-needed");
        for (Path lib : linkWith) {
            cmd.add("-L" + lib.getParent());
            cmd.add("-Wl,-rpath-link," + lib.getParent());
            cmd.add("-l:" + lib.getFileName());
        }
        ChildProcess.Result r = ChildProcess.run(new ProcessBuilder(cmd));
        if (r.exit() != 0) {
            throw new IOException("gcc failed for " + soname + " (exit " + r.exit() + "): " + String.join(" ", cmd) + "\n" + r.output());
        }
        return out;
    }

    /**
     * A cuBLAS stub: {@code cublasCreate_v2} appends {@code cublasCreate_v2 major=<major> lt=<n>} to the file
     * named by {@code SAGAN4J_STUB_MARKER}; {@code cublasGetProperty} answers {@code major.0.99}.
     */
    static String cublasSource(int major) {
        return """
                #include <stdio.h>
                #include <stdlib.h>
                extern int cublasLtStub(void);
                int cublasCreate_v2(void **handle) {
                    const char *m = getenv("SAGAN4J_STUB_MARKER");
                    if (m) { FILE *f = fopen(m, "a"); if (f) { fprintf(f, "cublasCreate_v2 major=%d lt=%d\\n", MAJOR, cublasLtStub()); fclose(f); } }
                    *handle = (void *) 0x5a5a;
                    return 0;
                }
                int cublasDestroy_v2(void *handle) { return 0; }
                int cublasGetProperty(int type, int *value) {
                    *value = type == 0 ? MAJOR : type == 1 ? 0 : 99;
                    return 0;
                }
                """.replace("MAJOR", Integer.toString(major));
    }

    static String cublasLtSource(int major) {
        return "int cublasLtStub(void) { return " + (100 + major) + "; }\n";
    }

    static String cudnnSource(long version) {
        return """
                #include <stddef.h>
                size_t cudnnGetVersion(void) { return VERSION; }
                size_t cudnnGetCudartVersion(void) { return 13000; }
                """.replace("VERSION", Long.toString(version));
    }

    static String plainSource(String function) {
        return "int " + function + "(void) { return 1; }\n";
    }
}
