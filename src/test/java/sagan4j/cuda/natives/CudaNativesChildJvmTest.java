package sagan4j.cuda.natives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.testing.Slow;

/**
 * End to end, in child JVMs (a JCuda class initialises once per JVM): stub CUDA libraries built with gcc, laid
 * out like PyTorch's site-packages, found, preloaded, JCublas2 relinked, and {@code JCublas2.cublasCreate}
 * reaching the stub, with no {@code LD_LIBRARY_PATH} and no driver.
 */
@Slow
class CudaNativesChildJvmTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void needGcc() {
        assumeTrue(StubLibs.gccAvailable(), "gcc not installed: stub libraries cannot be built");
    }

    /** Output of one child run: key=value lines (repeated keys keep all values) and the whole text. */
    record Child(int exit, String out, Map<String, List<String>> values) {
        String get(String key) {
            List<String> v = values.get(key);
            if (v == null) {
                throw new AssertionError("child printed no " + key + "; output:\n" + out);
            }
            return v.get(0);
        }

        List<String> all(String key) {
            return values.getOrDefault(key, List.of());
        }
    }

    private static String real(Path p) throws IOException {
        return p.toRealPath().toString();
    }

    private Path site() {
        return tmp.resolve("site-packages");
    }

    private Path cublasPair(Path dir, int major, String versionNode, String ltVersionNode) throws Exception {
        Path lt = StubLibs.build(dir, "libcublasLt.so." + major, StubLibs.cublasLtSource(major), ltVersionNode, List.of());
        return StubLibs.build(dir, "libcublas.so." + major, StubLibs.cublasSource(major), versionNode, List.of(lt));
    }

    private Child runChild(Path cache, Path marker) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path childTmp = Files.createDirectories(tmp.resolve("child-tmp"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xshare:auto", "-Djava.io.tmpdir=" + childTmp,
                "-cp", System.getProperty("java.class.path"), ChildMain.class.getName(), site().toString(),
                cache.toString(), childTmp.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("LD_LIBRARY_PATH");
        pb.environment().remove("LD_PRELOAD");
        pb.environment().remove(LibrarySearch.ENV_LIBS);
        pb.environment().put("SAGAN4J_STUB_MARKER", marker.toString());
        ChildProcess.Result r = ChildProcess.run(pb);   // a hang fails there, after a bound that only catches hangs
        String out = r.output();
        Map<String, List<String>> values = new LinkedHashMap<>();
        boolean inText = false;
        for (String line : out.split("\\R")) {
            if (line.equals("TEXT-BEGIN") || line.equals("TEXT-END")) {
                inText = line.equals("TEXT-BEGIN");
                continue;
            }
            int eq = line.indexOf('=');
            if (!inText && eq > 0) {
                values.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        Child c = new Child(r.exit(), out, values);
        assertEquals(0, c.exit(), "child JVM failed:\n" + out);
        assertTrue(out.contains("CHILD-DONE"), "child JVM stopped early:\n" + out);
        assertEquals("true", c.get("sameReport"), "second load() must return the same report");
        assertEquals("true", c.get("tmpdirRestored"), "java.io.tmpdir must be restored");
        assertEquals("false", c.get("driver.loaded"), out);
        assertEquals(CudaNatives.NO_DRIVER, c.get("driver.reason"), out);
        return c;
    }

    @Test
    void cublas13WithVersionNodeWinsOver12AndReachesTheStub() throws Exception {
        // cu12 wheel layout and the cu13 layout of PyTorch 2.9+, side by side
        cublasPair(site().resolve("nvidia/cublas/lib"), 12, "libcublas.so.12", "libcublasLt.so.12");
        Path cublas13 = cublasPair(site().resolve("nvidia/cu13/lib"), 13, "libcublas.so.13", "libcublasLt.so.13");
        Path marker = tmp.resolve("marker.txt");
        Path cache = tmp.resolve("cache");

        Child c = runChild(cache, marker);

        assertEquals("true", c.get("cublas.loaded"), c.out());
        assertEquals(cublas13.toRealPath().toString(), c.get("cublas.path"), c.out());
        assertEquals("13", c.get("cublas.version"));
        assertEquals("13.0.99", c.get("cublas.runtimeVersion"), "cublasGetProperty of the stub");
        assertEquals("true", c.get("cublas.relinked"));
        assertEquals("libcublas.so.12 -> libcublas.so.13", c.get("cublas.relinkDetail"));
        assertTrue(c.get("cublasCreate").startsWith("0 "), c.out());
        assertEquals("cublasCreate_v2 major=13 lt=113\n", Files.readString(marker), "the stub's cublasCreate_v2 ran");
        // the stub defines 3 of the functions JCublas2 binds: the others are reported missing
        List<String> missing = List.of(c.get("cublas.missingSymbols").split(","));
        assertTrue(missing.contains("cublasSgemm_v2") && missing.size() > 100, missing.toString());
        assertFalse(missing.contains("cublasCreate_v2") || missing.contains("cublasGetProperty"), missing.toString());
        assertTrue(c.out().contains("missing: " + missing.size() + " functions JCuda binds are not in libcublas.so.13"),
                c.out());
        // the JNI library came from the cache, relinked, and is what is mapped
        Path jni = Path.of(c.get("cublas.jniPath"));
        assertEquals(Path.of(c.get("jniDir")), jni.getParent());
        assertTrue(jni.startsWith(cache.toRealPath()), jni.toString());
        ElfFile elf = ElfFile.parse(Files.readAllBytes(jni), jni.toString());
        assertTrue(elf.needed().contains("libcublas.so.13"), elf.needed().toString());
        assertTrue(c.all("mapped").contains(cublas13.toRealPath().toString()), c.out());
        assertFalse(c.all("mapped").stream().anyMatch(m -> m.endsWith("libcublas.so.12")), "cuBLAS 12 must not load");
        // Lt preloaded before cuBLAS
        List<String> pre = c.all("preloaded");
        assertTrue(pre.indexOf(real(cublas13.resolveSibling("libcublasLt.so.13")))
                < pre.indexOf(real(cublas13)) && pre.contains(real(cublas13)), pre.toString());
        assertEquals("false", c.get("cudnn.loaded"));
        assertTrue(c.get("cudnn.reason").startsWith("cuDNN not found"), c.get("cudnn.reason"));
    }

    @Test
    void unversionedCublasAndCudnnUseTheWeakPath() throws Exception {
        Path cublas = cublasPair(site().resolve("nvidia/cu13/lib"), 13, null, null);
        Path cudnn = StubLibs.build(site().resolve("nvidia/cudnn/lib"), "libcudnn.so.9", StubLibs.cudnnSource(90100),
                null, List.of());
        Path marker = tmp.resolve("marker.txt");

        Child c = runChild(tmp.resolve("cache"), marker);

        assertEquals("true", c.get("cublas.loaded"), c.out());
        assertEquals(cublas.toRealPath().toString(), c.get("cublas.path"));
        assertTrue(c.get("cublas.relinkDetail").startsWith("libcublas.so.12 -> libcublas.so.13 (weak"),
                c.get("cublas.relinkDetail"));
        assertTrue(c.get("cublasCreate").startsWith("0"), c.out());
        assertEquals("cublasCreate_v2 major=13 lt=113\n", Files.readString(marker));
        ElfFile jni = ElfFile.read(Path.of(c.get("cublas.jniPath")));
        assertTrue(jni.versionNeeds().stream().filter(v -> v.file().equals("libcublas.so.13"))
                .allMatch(v -> v.aux().stream().allMatch(ElfFile.VersionAux::weak)));

        assertEquals("true", c.get("cudnn.loaded"), c.out());
        assertEquals("9.1.0", c.get("cudnn.runtimeVersion"));
        assertEquals(cudnn.toRealPath().toString(), c.get("cudnn.path"));
        assertEquals("true", c.get("cudnn.relinked"));
        assertTrue(c.get("cudnn.relinkDetail").contains("weak"), c.get("cudnn.relinkDetail"));
    }

    @Test
    void otherVersionNodeIsBoundWeakly() throws Exception {
        // The base version definition carries the soname, so glibc's requirement check would pass, but symbols
        // defined only under another node fail a versioned lookup at the first call ("symbol lookup error", the
        // process dies): the loader must see that and bind them unversioned.
        cublasPair(site().resolve("nvidia/cu13/lib"), 13, "CUBLAS_OTHER_13", "CUBLASLT_OTHER_13");
        Path marker = tmp.resolve("marker.txt");

        Child c = runChild(tmp.resolve("cache"), marker);

        assertEquals("true", c.get("cublas.loaded"), c.out());
        assertTrue(c.get("cublas.relinkDetail").startsWith("libcublas.so.12 -> libcublas.so.13 (weak: libcublas.so.13"
                + " defines cublas"), c.get("cublas.relinkDetail"));
        assertTrue(c.get("cublas.relinkDetail").endsWith("in version CUBLAS_OTHER_13, not libcublas.so.13)"),
                c.get("cublas.relinkDetail"));
        assertEquals("13.0.99", c.get("cublas.runtimeVersion"));
        assertTrue(c.get("cublasCreate").startsWith("0"), c.out());
        assertEquals("cublasCreate_v2 major=13 lt=113\n", Files.readString(marker));
    }

    @Test
    void cudnnWithSubLibrariesAndTheirDependencies() throws Exception {
        Path cublas = cublasPair(site().resolve("nvidia/cu13/lib"), 13, "libcublas.so.13", "libcublasLt.so.13");
        Path nvrtc = StubLibs.build(site().resolve("nvidia/cu13/nvrtc/lib"), "libnvrtc.so.13",
                StubLibs.plainSource("nvrtcStub"), "libnvrtc.so.13", List.of());
        Path cudnnDir = site().resolve("nvidia/cudnn/lib");
        Path cudnn = StubLibs.build(cudnnDir, "libcudnn.so.9", StubLibs.cudnnSource(91234), "libcudnn.so.9", List.of());
        Path graph = StubLibs.build(cudnnDir, "libcudnn_graph.so.9", StubLibs.plainSource("graphStub"), null,
                List.of());
        // ops needs graph (beside it), cuBLAS 13 and nvrtc 13 (elsewhere): all found and loaded first
        Path ops = StubLibs.build(cudnnDir, "libcudnn_ops.so.9", StubLibs.plainSource("opsStub"), null,
                List.of(graph, cublas, nvrtc));
        // adv needs a library that is nowhere: reported, not fatal
        Path missing = StubLibs.build(tmp.resolve("elsewhere"), "libsagan4j_missing.so.1",
                StubLibs.plainSource("missingStub"), null, List.of());
        StubLibs.build(cudnnDir, "libcudnn_adv.so.9", StubLibs.plainSource("advStub"), null, List.of(missing));

        Child c = runChild(tmp.resolve("cache"), tmp.resolve("marker.txt"));

        assertEquals("true", c.get("cudnn.loaded"), c.out());
        assertEquals("9.12.34", c.get("cudnn.runtimeVersion"));
        assertEquals("9", c.get("cudnn.version"));
        assertEquals(cudnn.toRealPath().toString(), c.get("cudnn.path"));
        assertEquals("false", c.get("cudnn.relinked"));
        assertTrue(c.get("cudnn.notes").contains("libcudnn_adv.so.9 not loaded")
                && c.get("cudnn.notes").contains("libsagan4j_missing.so.1"), c.get("cudnn.notes"));
        List<String> pre = c.all("preloaded");
        assertTrue(pre.contains(real(nvrtc)) && pre.contains(real(ops)), pre.toString());
        assertTrue(pre.indexOf(real(nvrtc)) < pre.indexOf(real(ops)), pre.toString());
        assertTrue(pre.indexOf(real(graph)) < pre.indexOf(real(ops)), pre.toString());
        assertFalse(pre.stream().anyMatch(p -> p.endsWith("libcudnn_adv.so.9")), pre.toString());
        assertTrue(c.all("mapped").contains(ops.toRealPath().toString()), c.out());
        assertTrue(c.all("mapped").contains(nvrtc.toRealPath().toString()), c.out());
        assertEquals("true", c.get("cublas.loaded"), c.out());
        assertTrue(c.out().contains("cudnn   loaded  9 (api 9.12.34)"), c.out());
    }

    @Test
    void cublas12IsNotRelinkedAndAStaleCopyIsReplaced() throws Exception {
        cublasPair(site().resolve("nvidia/cublas/lib"), 12, "libcublas.so.12", "libcublasLt.so.12");
        Path cache = tmp.resolve("cache");
        // Plant a wrong libJCublas2 where the loader will stage the original: it must be rewritten.
        Map<String, byte[]> expected = new LinkedHashMap<>();
        for (String base : List.of("JCudaDriver", "JCublas2", "JCudnn")) {
            String name = CudaNatives.jniFileName(base);
            expected.put(name, JniCache.resource("/lib/" + name));
        }
        String cublasJni = CudaNatives.jniFileName("JCublas2");
        Path stale = cache.resolve(JniCache.hash(expected)).resolve(cublasJni);
        Files.createDirectories(stale.getParent());
        Files.write(stale, ElfRelinker.relink(expected.get(cublasJni), "libcublas.so.12", "libcublas.so.13", true).bytes());
        Path marker = tmp.resolve("marker.txt");

        Child c = runChild(cache, marker);

        assertEquals("true", c.get("cublas.loaded"), c.out());
        assertEquals("false", c.get("cublas.relinked"));
        assertEquals("12.0.99", c.get("cublas.runtimeVersion"));
        assertEquals(stale.toRealPath().toString(), c.get("cublas.jniPath"));
        assertArrayEquals(expected.get(cublasJni), Files.readAllBytes(stale), "stale relinked copy replaced");
        assertEquals("cublasCreate_v2 major=12 lt=112\n", Files.readString(marker));
    }
}
