package sagan4j.cuda.natives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JniCacheTest {

    @TempDir
    Path tmp;

    @Test
    void stagesByContentAndRewritesWhatDiffers() throws IOException {
        Path root = tmp.resolve("cache");
        Map<String, byte[]> original = Map.of("libA.so", new byte[]{1, 2, 3}, "libB.so", new byte[]{4});
        Map<String, byte[]> relinked = Map.of("libA.so", new byte[]{1, 2, 9}, "libB.so", new byte[]{4});

        Path d1 = JniCache.stage(root, original);
        Path d2 = JniCache.stage(root, relinked);
        assertNotEquals(d1, d2, "different contents never share a directory");
        assertEquals(root, d1.getParent());
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(d1.resolve("libA.so")));
        assertArrayEquals(new byte[]{1, 2, 9}, Files.readAllBytes(d2.resolve("libA.so")));
        assertEquals(d1, JniCache.stage(root, original), "same contents, same directory");

        // a stale or truncated file is replaced, an identical one is left alone
        Files.write(d1.resolve("libA.so"), new byte[]{1, 2});
        assertTrue(JniCache.writeIfDifferent(d1.resolve("libA.so"), new byte[]{1, 2, 3}));
        assertFalse(JniCache.writeIfDifferent(d1.resolve("libA.so"), new byte[]{1, 2, 3}));
        Files.write(d1.resolve("libB.so"), new byte[]{7});
        JniCache.stage(root, original);
        assertArrayEquals(new byte[]{4}, Files.readAllBytes(d1.resolve("libB.so")));
        try (var files = Files.list(d1)) {
            assertEquals(List.of("libA.so", "libB.so"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary files left");
        }
    }

    @Test
    void defaultRoot() throws IOException {
        Path xdg = tmp.resolve("xdg");
        assertEquals(xdg.resolve("sagan4j/jcuda-12.6.0"),
                JniCache.defaultRoot(Map.of("XDG_CACHE_HOME", xdg.toString()), "/nonexistent", "/tmp", "u", "12.6.0"));
        Path home = tmp.resolve("home");
        assertEquals(home.resolve(".cache/sagan4j/jcuda-12.6.0"),
                JniCache.defaultRoot(Map.of(), home.toString(), "/tmp", "u", "12.6.0"));
        Path readOnly = Files.createDirectories(tmp.resolve("ro"));
        Files.write(readOnly.resolve(".cache"), new byte[0]); // a file where the directory should be
        assertEquals(Path.of(tmp.toString(), "sagan4j-u", "jcuda-12.6.0"),
                JniCache.defaultRoot(Map.of(), readOnly.toString(), tmp.toString(), "u", "12.6.0"));
    }

    @Test
    void reportText() {
        NativeReport.Library driver = NativeReport.Library.notLoaded("driver", CudaNatives.NO_DRIVER);
        NativeReport.Library cublas = new NativeReport.Library("cublas", true, "13.0.2.14", "13.0.2",
                Path.of("/site/nvidia/cu13/lib/libcublas.so.13"), Path.of("/c/x/libJCublas2.so"), true,
                "libcublas.so.12 -> libcublas.so.13", null, List.of("cublasA", "cublasB"), List.of());
        NativeReport.Library cudnn = NativeReport.Library.notLoaded("cudnn", "cuDNN not found");
        NativeReport r = new NativeReport(driver, cublas, cudnn, List.of(Path.of("/site/nvidia/cu13/lib")), Path.of("/c/x"),
                List.of(), List.of("python3 not run"));
        String t = r.toText();
        assertTrue(t.contains("driver  NOT LOADED: no NVIDIA driver (libcuda.so.1 not found)"), t);
        assertTrue(t.contains("cublas  loaded  13.0.2.14 (api 13.0.2)  /site/nvidia/cu13/lib/libcublas.so.13  relinked:"
                + " libcublas.so.12 -> libcublas.so.13"), t);
        assertTrue(t.contains("    /site/nvidia/cu13/lib"), t);
        assertTrue(t.contains("missing: 2 functions JCuda binds are not in libcublas.so.13 (calling one ends the process):"
                + " cublasA, cublasB"), t);
        assertTrue(t.contains("warning: python3 not run"), t);
        assertFalse(r.allLoaded());
        assertEquals("13.1.0", r.withCublasVersion(130100).cublas().runtimeVersion());
    }
}
