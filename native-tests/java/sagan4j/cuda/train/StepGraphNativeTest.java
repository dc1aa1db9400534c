package sagan4j.cuda.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.cuda.StepGraph;
import sagan4j.cuda.runtime.DeviceCounters;
import sagan4j.data.Batch;
import sagan4j.data.BatchStream;
import sagan4j.data.DataLoader;
import sagan4j.data.Datasets;
import sagan4j.data.Fit;
import sagan4j.data.ImageSet;
import sagan4j.data.Position;
import sagan4j.data.Sampler;
import sagan4j.io.NpyArray;
import sagan4j.train.RunState;
import sagan4j.train.StepResult;
import sagan4j.train.TrainConfig;
import sagan4j.train.TrainSetup;
import sagan4j.train.TrainStep;

/**
 * CUDA graphs ({@link StepGraph} through {@code Backend.captureOrRun}): training steps of {@code tiny} captured and
 * replayed give the same bits as the same steps run op by op — every loss and mean logit, and after every step every
 * tensor of the run state (G, D, EMA-G, both Adam moments, spectral-norm u/v, batch-norm running statistics); a
 * region replays its work on new inputs; calls a capture forbids fail with the driver's error and the region then
 * runs uncaptured; and memory a graph uses is not handed to anyone else while the graph lives.
 */
@Tag("native")
class StepGraphNativeTest {
    private static final int STEPS = 6; // 2 uncaptured warm-ups per region, the capture, 3 replays
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    @AfterAll
    static void close() {
        CUDA.close();
    }

    private record Run(List<StepResult> results, List<Map<String, NpyArray>> states, StepGraph.Info d, StepGraph.Info g) {
    }

    private static Run train(CudaBackend be, boolean graphs) {
        TrainConfig cfg = new TrainConfig();
        cfg.dataset = "synthetic";
        cfg.ch = 8;
        cfg.batch = 4;
        cfg.microBatch = 2; // two micro-batches: the summary's write-then-accumulate path inside the graph
        cfg.steps = STEPS;
        cfg.emaStart = 1;
        ImageSet set = Datasets.open(cfg.dataset, true, 32);
        var model = cfg.model(set.classes());
        be.graphs().get().setEnabled(graphs);
        try (TrainStep step = TrainSetup.fromConfig(be, cfg, model);
             BatchStream loader = new DataLoader(set, new Sampler(set.size(), cfg.seed), new Fit(model.imageChannels(), model.resolution()), cfg.batch).stream(Position.START, 2)) {
            List<StepResult> results = new ArrayList<>();
            List<Map<String, NpyArray>> states = new ArrayList<>();
            for (int s = 0; s < STEPS; s++) {
                Batch real = loader.next();
                results.add(step.dStep(real));
                results.add(step.gStep(cfg.batch));
                states.add(RunState.tensors(step));
            }
            return new Run(results, states, be.captureInfo(step.dRegion(cfg.batch)), be.captureInfo(step.gRegion(cfg.batch)));
        } finally {
            be.graphs().get().setEnabled(true);
        }
    }

    @Test
    void capturedStepsGiveTheSameBitsAsUncapturedOnes() {
        CudaBackend be = CUDA.get();
        Run plain = train(be, false);
        DeviceCounters.Snapshot before = DeviceCounters.snapshot();
        Run graphs = train(be, true);
        long launches = DeviceCounters.snapshot().minus(before).graphLaunches();
        System.out.println("StepGraphNativeTest: D step " + graphs.d() + "; G step " + graphs.g());
        assertTrue(graphs.d().captured(), "the D step was captured: " + graphs.d());
        assertTrue(graphs.g().captured(), "the G step was captured: " + graphs.g());
        assertTrue(graphs.d().runs() + graphs.g().runs() <= 2 * STEPS - 4, "both captured with replays to compare");
        assertEquals(2L * STEPS - graphs.d().runs() - graphs.g().runs(), launches,
                "graph launches: each capture's first launch and the replays");
        for (int i = 0; i < plain.results().size(); i++) {
            StepResult a = plain.results().get(i), b = graphs.results().get(i);
            String what = (i % 2 == 0 ? "D" : "G") + " step " + (i / 2 + 1);
            assertEquals(a.dLossReal(), b.dLossReal(), 0, what + " loss (real)");
            assertEquals(a.dLossFake(), b.dLossFake(), 0, what + " loss (fake)");
            assertEquals(a.gLoss(), b.gLoss(), 0, what + " G loss");
            assertEquals(a.dReal(), b.dReal(), 0, what + " mean real logit");
            assertEquals(a.dFake(), b.dFake(), 0, what + " mean fake logit");
        }
        for (int s = 0; s < STEPS; s++) {
            Map<String, NpyArray> a = plain.states().get(s), b = graphs.states().get(s);
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                if (a.get(k).isFloat()) {
                    assertArrayEquals(bits(a.get(k).floats()), bits(b.get(k).floats()), "after step " + (s + 1) + ": " + k);
                }
            }
        }
    }

    private static int[] bits(float[] x) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Float.floatToRawIntBits(x[i]);
        }
        return out;
    }

    /** Runs {@code region} under {@code key} until it has been captured (or failed to be). */
    private static void runPastWarmUps(CudaBackend be, Object key, Runnable region) {
        for (int i = 0; i <= StepGraph.WARMUPS; i++) {
            be.captureOrRun(key, region);
        }
    }

    @Test
    void aReplayRunsTheRegionsWorkOnTheTensorsNewContents() {
        CudaBackend be = CUDA.get();
        float[] x0 = {1f, 2f, -3f, 0.5f};
        try (Tensor x = be.fromHost(x0, 4); Tensor y = be.zeros(4)) {
            Object key = "test: y += 2x";
            runPastWarmUps(be, key, () -> be.axpy(2f, x, y)); // 2 uncaptured runs + the capture's launch: y = 6x
            assertTrue(be.graphs().get().report(key).startsWith("captured as one CUDA graph of 1 nodes (1 kernels, 0 library calls, 0 copies)"), be.graphs().get().report(key));
            be.upload(new float[] {10f, 10f, 10f, 10f}, x); // new input, uploaded outside the region
            long kernels = DeviceCounters.snapshot().kernels();
            be.captureOrRun(key, () -> { throw new AssertionError("a replay does not run the Java region"); });
            assertEquals(kernels, DeviceCounters.snapshot().kernels(), "a replay launches the graph, not kernels one by one");
            float[] got = be.toHostFloats(y);
            for (int i = 0; i < 4; i++) {
                assertEquals(6 * x0[i] + 20f, got[i], 0, "y[" + i + "]");
            }
            be.dropCaptures(key::equals);
        }
    }

    @Test
    void callsACaptureForbidsFailWithTheDriversErrorAndTheRegionRunsUncaptured() {
        CudaBackend be = CUDA.get();
        try (Tensor y = be.zeros(8)) {
            Object sync = "test: a synchronisation inside";
            int[] runs = {0};
            runPastWarmUps(be, sync, () -> {
                be.fill(y, 3f);
                be.synchronize();
                runs[0]++;
            });
            String report = be.graphs().get().report(sync);
            assertTrue(report.contains("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"), report);
            // 2 warm-ups, the failed attempt (stopped by the refused sync), then the same run uncaptured
            assertEquals(StepGraph.WARMUPS + 1, runs[0]);
            assertArrayEquals(new float[] {3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f}, be.toHostFloats(y));

            Object download = "test: a download inside";
            runPastWarmUps(be, download, () -> be.toHostFloats(y));
            assertTrue(be.graphs().get().report(download).contains("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"), be.graphs().get().report(download));

            Object upload = "test: an upload inside";
            runPastWarmUps(be, upload, () -> be.upload(new float[8], y));
            assertTrue(be.graphs().get().report(upload).contains("an upload inside a captured region"), be.graphs().get().report(upload));

            Object allocation = "test: a new allocation inside";
            int[] size = {10_000_000}; // 40 MB and up: sizes no other test leaves in the cache
            Runnable grows = () -> {
                size[0] = size[0] / 4 * 5; // a new size class each time (classes are 1/8 of a power of two apart)
                be.empty(DType.FLOAT32, size[0]).close();
            };
            // each miss is retried after an uncaptured run (which caches the block that run needs, not the next one)
            for (int i = 0; i < StepGraph.WARMUPS + StepGraph.CAPTURE_ATTEMPTS - 1; i++) {
                be.captureOrRun(allocation, grows);
                assertTrue(be.graphs().get().report(allocation).startsWith("not captured yet"), be.graphs().get().report(allocation));
            }
            be.captureOrRun(allocation, grows);
            assertTrue(be.graphs().get().report(allocation).contains("needs a new device block"), be.graphs().get().report(allocation));
            be.dropCaptures(k -> k.toString().startsWith("test: "));
        }
    }

    @Test
    void memoryAGraphUsesIsNotHandedOutWhileTheGraphLives() {
        CudaBackend be = CUDA.get();
        Tensor scratch = be.zeros(1000); // made before the capture, used inside it
        Object key = "test: scratch";
        try (Tensor x = be.fromHost(new float[1000], 1000)) {
            runPastWarmUps(be, key, () -> be.axpy(1f, x, scratch));
            assertTrue(be.graphs().get().report(key).startsWith("captured"), be.graphs().get().report(key));
            long address = addressOf(be, scratch);
            scratch.close(); // freed while the graph that writes it lives
            List<Tensor> others = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                others.add(be.empty(DType.FLOAT32, 1000)); // the same size class
                assertNotEquals(address, addressOf(be, others.get(i)), "a freed block of a live graph was handed out again");
            }
            others.forEach(Tensor::close);
            be.dropCaptures(key::equals);
        }
    }

    private static long addressOf(CudaBackend be, Tensor t) {
        // JCuda prints a pointer as CUdeviceptr[nativePointer=0x…]
        return Long.parseLong(be.pointer(t).toString().replaceAll(".*0x([0-9a-fA-F]+).*", "$1"), 16);
    }
}
