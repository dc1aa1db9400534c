package sagan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.reference.ReferenceBackend;
import sagan4j.ops.OpInputException;

/** The harness on the CPU backend: derived numbers follow from the measured median and the formulas. */
class BenchRunnerTest {
    @Test
    void gemmOnCpuReportsConsistentNumbers() {
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            BenchRunner r = new BenchRunner(cpu, 1, 5);
            double copy = r.copyBandwidth(8 << 20);   // its value depends on the machine's load: not asserted
            BenchCase gemm = Benches.get("gemm");
            List<BenchResult> rows = r.run(gemm, List.of(gemm.parseShape("batch=2,M=32,N=48,K=16")), List.of(), copy);
            assertEquals(1, rows.size());
            BenchResult row = rows.get(0);
            assertEquals("cpu-reference", row.impl());
            assertEquals(4L * 2 * (32 * 16 + 16 * 48 + 32 * 48), row.bytes());
            assertEquals(2.0 * 2 * 32 * 48 * 16, row.flops());
            assertEquals(5, row.calls());
            assertEquals(row.bytes() / (row.medianMs() * 1e6), row.gbPerS(), 1e-9);
            assertEquals(row.flops() / (row.medianMs() * 1e6), row.gflopPerS(), 1e-9);
            assertEquals(100 * row.gbPerS() / copy, row.percentOfCopy(), 1e-9);
            assertTrue(row.minMs() <= row.medianMs());
            assertTrue(row.toJson().startsWith("{\"kernel\":\"gemm\""), row.toJson());
        }
    }

    /**
     * The speed-up is the baseline's median over the row's own, both from the same run, and the baseline is timed
     * even when only another implementation was asked for. (Which one is faster is not asserted.)
     */
    @Test
    void speedUpIsTheBaselinesMedianOverTheRowsOwn() {
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            BenchCase two = new TwoImplCase();
            BenchRunner r = new BenchRunner(cpu, 0, 3);
            List<BenchResult> both = r.run(two, two.defaultShapes(), List.of(), 1);
            assertEquals(List.of("slow", "fast"), both.stream().map(BenchResult::impl).toList());
            BenchResult slow = both.get(0), fast = both.get(1);
            assertEquals(slow.medianMs() / fast.medianMs(), fast.speedupOverBaseline(), 1e-12 * fast.speedupOverBaseline());
            List<BenchResult> fastOnly = r.run(two, two.defaultShapes(), List.of("fast"), 1);
            assertEquals(List.of("fast"), fastOnly.stream().map(BenchResult::impl).toList(), "the baseline is timed, not shown");
            assertTrue(Double.isFinite(fastOnly.get(0).speedupOverBaseline()), fastOnly.get(0).toJson());
        }
    }

    /** A case with two implementations that do different amounts of host work; "slow" is the baseline. */
    private static final class TwoImplCase implements BenchCase {
        private static final BenchShape SHAPE = new BenchShape("n=1", java.util.Map.of("n", 1));

        @Override
        public String name() {
            return "two";
        }

        @Override
        public String description() {
            return "two implementations, for the speed-up arithmetic";
        }

        @Override
        public List<String> impls(sagan4j.backend.Backend be) {
            return List.of("slow", "fast");
        }

        @Override
        public String baseline(sagan4j.backend.Backend be) {
            return "slow";
        }

        @Override
        public List<BenchShape> defaultShapes() {
            return List.of(SHAPE);
        }

        @Override
        public BenchShape parseShape(String spec) {
            return SHAPE;
        }

        @Override
        public long inputBytes(BenchShape shape) {
            return 4;
        }

        @Override
        public Instance prepare(sagan4j.backend.Backend be, BenchShape shape, int copies) {
            return new Instance() {
                private double sink;

                @Override
                public void run(String impl, int copy) {
                    int n = impl.equals("slow") ? 200_000 : 20_000;
                    for (int i = 0; i < n; i++) {
                        sink += Math.sqrt(i + sink);
                    }
                }

                @Override
                public long bytesMoved(String impl) {
                    return 4;
                }

                @Override
                public double flops(String impl) {
                    return 1;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void convOnCpuUsesTheFormulas() {
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            BenchRunner r = new BenchRunner(cpu, 0, 2);
            BenchCase conv = Benches.get("conv");
            List<BenchResult> rows = r.run(conv, List.of(conv.parseShape("B=2,Cin=3,Cout=4,H=5,W=6")), List.of(), 1);
            assertEquals(1, rows.size());
            assertEquals(4L * (2 * 3 * 30 + 4 * 3 * 9 + 2 * 4 * 30), rows.get(0).bytes());
            assertEquals(2.0 * 2 * 4 * 30 * 3 * 9, rows.get(0).flops());
        }
    }

    @Test
    void layerPrimitivesWithoutABaseline() {
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            BenchCase layers = Benches.get("layers");
            List<BenchResult> rows = new BenchRunner(cpu, 0, 2).run(layers, List.of(layers.parseShape("B=2,C=3,H=4,W=6")),
                    List.of(), 1);
            assertEquals(List.of("upsample2x", "avgpool2x2", "maxpool2x2", "transpose", "sum-hw", "add-bias", "add-bias-leaky-relu",
                    "add-bias+leaky-relu", "bias-grad"), rows.stream().map(BenchResult::impl).toList());
            assertEquals(4L * 3 * 144, rows.get(6).bytes(), "bias + leaky ReLU: read x, write x and y");
            assertEquals(4L * 4 * 144, rows.get(7).bytes(), "unfused: 8n for the bias add, 8n for the activation");
            assertEquals(4L * (144 + 3), rows.get(8).bytes(), "bias gradient: read dy, write C");
            assertEquals(4L * 5 * 144, rows.get(0).bytes(), "upsample: read n, write 4n");
            assertTrue(Double.isNaN(rows.get(0).speedupOverBaseline()), "no baseline, no speed-up");
        }
    }

    @Test
    void badShapesAndImplsAreOneLine() {
        BenchCase gemm = Benches.get("gemm");
        OpInputException e = assertThrows(OpInputException.class, () -> gemm.parseShape("batch=1,M=2,N=3"));
        assertEquals("--shape: missing K (expected keys batch,M,N,K), got 'batch=1,M=2,N=3'", e.getMessage());
        e = assertThrows(OpInputException.class, () -> gemm.parseShape("batch=1,M=0,N=3,K=1"));
        assertEquals("--shape: M must be a positive integer, got '0'", e.getMessage());
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            e = assertThrows(OpInputException.class, () -> new BenchRunner(cpu, 0, 1)
                    .run(gemm, gemm.defaultShapes(), List.of("tiled"), 1));
            assertEquals("--impl: gemm on reference has [cpu-reference], not 'tiled'", e.getMessage());
        }
        assertEquals(2.5, BenchRunner.median(new double[] {4, 1, 2, 3}));
    }
}
