package sagan4j.leaks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.onednn.OneDnnBackend;
import sagan4j.testing.HeapProbe;
import sagan4j.testing.Reference;
import sagan4j.testing.Slow;

/**
 * The heap stays flat over 10 000 allocate/compute/free cycles on the reference and the cpu (oneDNN) backends:
 * each cycle uploads a 64×256 tensor (64 KiB), takes a reshaped view of it, allocates an output, runs a leaky
 * ReLU and a GEMM into fresh tensors, downloads one and closes them all. Used heap after GC is sampled every
 * 1 000 cycles; the growth over the first sample must stay under 4 MiB — a cycle that kept even one of its
 * tensors would add 640 MiB, one that kept 1 KiB would add 10 MiB. The control loop keeps exactly 1 KiB per
 * cycle and must be seen (so the probe can fail).
 */
@Slow
class HeapFlatTest {
    private static final int CYCLES = 10_000, EVERY = 1_000;
    private static final long SLACK = 4L << 20;

    /** Runs the cycles on {@code be}, keeping {@code keepFloats} floats per cycle in {@code kept}; returns the probe. */
    private static HeapProbe cycles(Backend be, int keepFloats, List<float[]> kept) {
        SplittableRandom rng = new SplittableRandom(11);
        float[] x = Reference.random(rng, 64 * 256, 1), w = Reference.random(rng, 256 * 8, 1);
        HeapProbe probe = new HeapProbe();
        try (Tensor tw = be.fromHost(w, 256, 8)) {
            for (int c = 0; c <= CYCLES; c++) {
                if (c % EVERY == 0) {
                    probe.sample();
                }
                try (Tensor tx = be.fromHost(x, 64, 256); Tensor y = be.empty(DType.FLOAT32, 64, 256);
                     Tensor out = be.empty(DType.FLOAT32, 64, 8)) {
                    Tensor flat = tx.reshape(1, 64 * 256);
                    be.leakyRelu(tx, 0.2f, y);
                    be.gemm(false, false, 1f, y, tw, 0f, out);
                    float[] host = be.toHostFloats(out);
                    if (c == 0) {
                        double[] want = new double[64 * 8];
                        for (int i = 0; i < 64; i++) {
                            for (int k = 0; k < 256; k++) {
                                double v = x[i * 256 + k] > 0 ? x[i * 256 + k] : 0.2 * x[i * 256 + k];
                                for (int j = 0; j < 8; j++) {
                                    want[i * 8 + j] += v * w[k * 8 + j];
                                }
                            }
                        }
                        Reference.assertClose(be.name() + " cycle 0", host, want, 1e-5);
                    }
                    assertEquals(flat.size(), tx.size());
                    if (keepFloats > 0) {
                        kept.add(new float[keepFloats]);
                    }
                }
            }
        }
        return probe;
    }

    @Test
    void referenceHeapIsFlat() {
        try (ReferenceBackend be = new ReferenceBackend()) {
            HeapProbe p = cycles(be, 0, null);
            System.out.println("HeapFlatTest reference: used heap after GC every " + EVERY + " cycles (KiB): " + p.kib());
            p.assertFlat("reference, " + CYCLES + " cycles", SLACK);
        }
    }

    @Test
    void oneDnnHeapIsFlat() {
        try (OneDnnBackend be = OneDnnBackend.open()) {
            HeapProbe p = cycles(be, 0, null);
            System.out.println("HeapFlatTest cpu: used heap after GC every " + EVERY + " cycles (KiB): " + p.kib());
            p.assertFlat("cpu, " + CYCLES + " cycles", SLACK);
        }
    }

    @Test
    void theProbeSeesOneKibibyteKeptPerCycle() {
        List<float[]> kept = new ArrayList<>();
        try (ReferenceBackend be = new ReferenceBackend()) {
            HeapProbe p = cycles(be, 256, kept);
            assertTrue(p.growth() > SLACK, "10 000 × 1 KiB kept, yet the growth was " + p.growth() / 1024 + " KiB: " + p.kib());
        }
        assertEquals(CYCLES + 1, kept.size());
    }
}
