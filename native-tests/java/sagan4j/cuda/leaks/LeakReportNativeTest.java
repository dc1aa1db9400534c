package sagan4j.cuda.leaks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.cuda.natives.ChildProcess;
import sagan4j.testing.ChildJvm;

/**
 * Every native handle sagan4j makes is closed by its owner: a child JVM opens a CUDA backend, trains tiny for 4
 * steps (a timer around the last), closes the backend and exits; the emulator's report at exit
 * (SAGAN4J_EMU_HANDLE_REPORT, written by open_handles.h in libcuda.so.1, libcublas.so.13 and libcudnn.so.9) must
 * show, for every kind — primary-context retains, streams, events, modules, device buffers, graphs and graph execs (training captures its steps), pinned host buffers, cuBLAS
 * handles, cuDNN handles and tensor/filter/convolution descriptors — as many destroyed as created, and the kinds
 * a training step uses must have been created at all (so the bookkeeping is live). The control run leaves one
 * device buffer and one event open on purpose, and the report must name exactly those two.
 *
 * <p>Emulator only: the report is the emulator's; on a GPU (no report file appears) the test is skipped.
 */
@Tag("native")
class LeakReportNativeTest {
    @TempDir
    Path tmp;

    /** "library kind" → {created, destroyed}, from the child's report. */
    private Map<String, long[]> report(String mode) throws Exception {
        Gpu.open(CudaBackend.Options.defaults()).close(); // skips without a GPU (fails with SAGAN4J_REQUIRE_GPU=1)
        Path file = tmp.resolve("handles-" + mode + ".txt");
        ChildProcess.Result r = ChildJvm.run(LeakProbe.class, List.of(), Map.of("SAGAN4J_EMU_HANDLE_REPORT", file.toString()),
                mode);
        assertEquals(0, r.exit(), "the probe failed:\n" + r.output());
        assertTrue(r.output().contains("LeakProbe: done"), r.output());
        assumeTrue(r.output().contains("CPU emulator"), "on a GPU: the handle report at exit is the emulator's");
        assertTrue(Files.exists(file), "the emulator wrote no handle report:\n" + r.output());
        Map<String, long[]> out = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ");
            String lib = f[0], kind = String.join(" ", List.of(f).subList(1, f.length - 2));
            out.put(lib + " " + kind, new long[] {Long.parseLong(f[f.length - 2]), Long.parseLong(f[f.length - 1])});
        }
        return out;
    }

    @Test
    void aClosedBackendLeavesNothingOpen() throws Exception {
        Map<String, long[]> r = report("clean");
        StringBuilder open = new StringBuilder();
        r.forEach((k, v) -> {
            if (v[0] != v[1]) {
                open.append(k).append(": ").append(v[0]).append(" created, ").append(v[1]).append(" destroyed\n");
            }
        });
        assertEquals("", open.toString(), "left open at exit");
        for (String used : List.of("libcuda.so.1 primary context retain", "libcuda.so.1 stream", "libcuda.so.1 event",
                "libcuda.so.1 module", "libcuda.so.1 device buffer", "libcuda.so.1 graph", "libcuda.so.1 graph exec",
                "libcuda.so.1 pinned host buffer", "libcublas.so.13 cuBLAS handle", "libcudnn.so.9 cuDNN handle",
                "libcudnn.so.9 tensor descriptor", "libcudnn.so.9 filter descriptor", "libcudnn.so.9 convolution descriptor")) {
            assertTrue(r.containsKey(used) && r.get(used)[0] > 0, used + " was never created: the bookkeeping is not live (" + r.keySet() + ")");
        }
        System.out.print("LeakReportNativeTest: created (= destroyed) per kind:");
        r.forEach((k, v) -> System.out.print(" " + k.substring(k.indexOf(' ') + 1) + " " + v[0] + ";"));
        System.out.println();
    }

    @Test
    void theReportNamesWhatIsLeftOpen() throws Exception {
        Map<String, long[]> r = report("leak");
        Map<String, Long> open = new TreeMap<>();
        r.forEach((k, v) -> {
            if (v[0] != v[1]) {
                open.put(k, v[0] - v[1]);
            }
        });
        assertEquals(Map.of("libcuda.so.1 device buffer", 1L, "libcuda.so.1 event", 1L), open);
    }
}
