package sagan4j.cuda.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LibrarySearch} on fake trees (empty files: the search goes by name). */
class LibrarySearchTest {

    @TempDir
    Path tmp;

    private Path touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[]{1});
        return p.toRealPath();
    }

    @Test
    void findsPytorchLayoutsAndPrefersTheHighestMajor() throws IOException {
        Path site = tmp.resolve("site-packages");
        Path c12 = touch(site.resolve("nvidia/cublas/lib/libcublas.so.12"));
        touch(site.resolve("nvidia/cublas/lib/libcublasLt.so.12"));
        Path c13 = touch(site.resolve("nvidia/cu13/lib/libcublas.so.13"));
        Path lt13 = touch(site.resolve("nvidia/cu13/lib/libcublasLt.so.13"));
        Path cudnn = touch(site.resolve("nvidia/cudnn/lib/libcudnn.so.9"));
        touch(site.resolve("nvidia/cudnn/include/cudnn.h"));
        Path deep = touch(site.resolve("nvidia/cu13/extra/lib/libnvrtc.so.13"));
        touch(site.resolve("nvidia/a/b/c/d/lib/libtoodeep.so.1"));

        LibrarySearch s = LibrarySearch.of(List.of(), List.of(site));

        assertTrue(s.dirs().contains(c13.getParent()) && s.dirs().contains(c12.getParent())
                && s.dirs().contains(cudnn.getParent()) && s.dirs().contains(deep.getParent()), s.dirs().toString());
        assertFalse(s.dirs().stream().anyMatch(d -> d.toString().contains("include")), s.dirs().toString());
        assertEquals(Optional.of(cudnn), s.find("libcudnn.so.9"));
        assertEquals(Optional.of(deep), s.find("libnvrtc.so.13"));
        assertEquals(Optional.empty(), s.find("libtoodeep.so.1"), "walk stops 4 levels below nvidia/");
        assertEquals(Optional.empty(), s.find("libcuda.so.1"));

        TreeMap<Integer, Path> cublas = s.byMajor("libcublas");
        assertEquals(List.of(13, 12), List.copyOf(cublas.keySet()), "highest major first");
        assertEquals(c13, cublas.firstEntry().getValue());
        assertEquals(lt13, s.byMajor("libcublasLt").get(13));
        assertFalse(s.byMajor("libcublas").containsValue(lt13), "libcublasLt is not libcublas");
    }

    @Test
    void prefersTheSonameFileAndAcceptsRealNames() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        touch(a.resolve("libcublas.so.13.0.2.14"));
        Path soname = touch(a.resolve("libcublas.so.13"));
        Path onlyReal = touch(b.resolve("libcublas.so.12.8.4.1"));
        touch(b.resolve("libcublas.so")); // dev link: no major, ignored

        LibrarySearch s = LibrarySearch.ofDirs(List.of(a, b, tmp.resolve("missing")));

        assertEquals(List.of(a.toRealPath(), b.toRealPath()), s.dirs(), "missing dirs dropped");
        TreeMap<Integer, Path> m = s.byMajor("libcublas");
        assertEquals(soname, m.get(13));
        assertEquals(onlyReal, m.get(12));
        assertEquals(2, m.size());
    }

    @Test
    void environmentOrder() throws IOException {
        Path first = Files.createDirectories(tmp.resolve("first")).toRealPath();
        Path second = Files.createDirectories(tmp.resolve("second")).toRealPath();
        Path ld = Files.createDirectories(tmp.resolve("ld")).toRealPath();
        Path venvLib = touch(tmp.resolve("venv/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9")).getParent();
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path userLib = touch(home.resolve(".local/lib/python3.11/site-packages/nvidia/cu13/lib/libcublas.so.13"))
                .getParent();
        Map<String, String> env = Map.of(LibrarySearch.ENV_LIBS, first + ":" + second + "::",
                "LD_LIBRARY_PATH", ld + ":" + first, "VIRTUAL_ENV", tmp.resolve("venv").toString());

        LibrarySearch s = LibrarySearch.fromEnvironment(env, home, false);

        List<Path> d = s.dirs();
        assertEquals(List.of(first, second, ld), d.subList(0, 3), d.toString());
        assertTrue(d.contains(venvLib) && d.contains(userLib), d.toString());
        assertTrue(d.indexOf(venvLib) < d.indexOf(userLib), "the active venv before ~/.local: " + d);
        for (String sys : LibrarySearch.SYSTEM_DIRS) {
            Path p = Path.of(sys);
            if (Files.isDirectory(p)) {
                int i = d.indexOf(p.toRealPath());
                assertTrue(i > 2 && i < d.indexOf(venvLib), "system dir " + sys + " between env and python: " + d);
            }
        }
    }

    @Test
    void parsesPythonSiteOutput() {
        String out = "['/usr/local/lib/python3.11/dist-packages', '/usr/lib/python3/dist-packages', 'relative']\n"
                + "/root/.local/lib/python3.11/site-packages\n";
        assertEquals(List.of(Path.of("/usr/local/lib/python3.11/dist-packages"), Path.of("/usr/lib/python3/dist-packages"),
                Path.of("/root/.local/lib/python3.11/site-packages")), LibrarySearch.parsePythonSiteOutput(out));
        assertEquals(List.of(), LibrarySearch.parsePythonSiteOutput(""));
    }

    @Test
    void systemLibrariesAreNotPreloaded() {
        for (String s : List.of("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
                "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2", "libz.so.1")) {
            assertTrue(NativePreloader.isSystemLibrary(s), s);
        }
        for (String s : List.of("libcublas.so.13", "libcublasLt.so.13", "libcudnn_ops.so.9", "libnvrtc.so.13",
                "libcuda.so.1", "libmpi.so.40")) {
            assertFalse(NativePreloader.isSystemLibrary(s), s);
        }
    }

    @Test
    void versionStrings() {
        assertEquals("13.0.2.14", CudaNatives.fileVersion(Path.of("/x/libcublas.so.13.0.2.14"), "libcublas"));
        assertEquals("13", CudaNatives.fileVersion(Path.of("/x/libcublas.so.13"), "libcublas"));
        assertEquals("580.95.05", CudaNatives.fileVersion(Path.of("/x/libcuda.so.580.95.05"), "libcuda"));
        assertEquals(null, CudaNatives.fileVersion(Path.of("/x/libcublasLt.so.13"), "libcublas"));
        assertEquals("9.12.34", NativeReport.decodeCudnnVersion(91234));
        assertEquals("9.1.0", NativeReport.decodeCudnnVersion(90100));
        assertEquals("8.9.7", NativeReport.decodeCudnnVersion(8907));
        assertEquals("13.0", NativeReport.decodeDriverApiVersion(13000));
        assertEquals("12.8", NativeReport.decodeDriverApiVersion(12080));
        assertEquals("13.1.0", NativeReport.decodeMajorMinorPatch100(130100));
    }
}
