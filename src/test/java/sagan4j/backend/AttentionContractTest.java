package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.testing.ContractSuite;
import sagan4j.testing.AttentionReference;

/**
 * What every backend's {@link AttentionOps} must do, for every version it has: hand-computed values, the
 * double-precision reference on random inputs (outputs poisoned with NaN first), and one-line shape
 * errors. It runs on the host backends in {@code mvn test},
 * {@code CudaAttentionContractNativeTest} on a GPU.
 */
public class AttentionContractTest extends ContractSuite {
    private final SplittableRandom rng = new SplittableRandom(20261127);

    @AfterEach
    void restoreDefaultImpl() {
        AttentionOps a = backend().attention();
        a.setImpl(a.impls().get(0));
    }

    @Test
    void handComputedTwoKeys() {
        // scores q·k = [0, ln 3] → softmax [1/4, 3/4]; o = 1/4·4 + 3/4·8 = 7; lse = ln(1 + 3) = ln 4.
        Backend be = backend();
        for (String impl : be.attention().impls()) {
            be.attention().setImpl(impl);
            try (Tensor q = be.fromHost(new float[] {1}, 1, 1, 1);
                 Tensor k = be.fromHost(new float[] {0, (float) Math.log(3)}, 1, 2, 1);
                 Tensor v = be.fromHost(new float[] {4, 8}, 1, 2, 1);
                 Tensor o = be.fromHost(nans(1), 1, 1, 1); Tensor lse = be.fromHost(nans(1), 1, 1)) {
                be.attention().forward(q, k, v, 1f, o, lse);
                assertEquals(7f, be.toHostFloats(o)[0], 2e-6f, impl);
                assertEquals((float) Math.log(4), be.toHostFloats(lse)[0], 2e-6f, impl);
                // with scale 2 the scores are [0, 2 ln 3]: softmax [1/10, 9/10], o = 0.4 + 7.2 = 7.6, lse = ln 10
                be.attention().forward(q, k, v, 2f, o, lse);
                assertEquals(7.6f, be.toHostFloats(o)[0], 2e-6f, impl);
                assertEquals((float) Math.log(10), be.toHostFloats(lse)[0], 2e-6f, impl);
            }
        }
    }

    @ParameterizedTest(name = "B={0} N={1} M={2} d={3} c={4} scale={5}")
    @CsvSource({
        "2, 16, 4, 16, 64, 1",     // SAGAN 32x32 G at 4x4 (d = C/8, c = C/2)
        "3, 67, 17, 7, 13, 1",     // primes
        "1, 5, 3, 40, 100, 0.25",  // d > 32 and c > 96: the fused versions fall back
        "2, 70, 45, 8, 32, 0.5",   // several row tiles and key tiles with tails
        "1, 1, 1, 1, 1, 1",
    })
    void forwardAndBackwardMatchTheDoubleReference(int batch, int n, int m, int d, int c, float scale) {
        Backend be = backend();
        float[] q = random(rng, batch * n * d, 1), k = random(rng, batch * m * d, 1), v = random(rng, batch * m * c, 1);
        float[] go = random(rng, batch * n * c, 1);
        AttentionReference.Forward ref = AttentionReference.forward(batch, n, m, d, c, scale, q, k, v);
        double[][] grads = AttentionReference.gradients(batch, n, m, d, c, scale, q, k, v, go);
        for (String impl : be.attention().impls()) {
            be.attention().setImpl(impl);
            try (Tensor tq = be.fromHost(q, batch, n, d); Tensor tk = be.fromHost(k, batch, m, d);
                 Tensor tv = be.fromHost(v, batch, m, c); Tensor tgo = be.fromHost(go, batch, n, c);
                 Tensor o = be.fromHost(nans(batch * n * c), batch, n, c); Tensor lse = be.fromHost(nans(batch * n), batch, n);
                 Tensor gq = be.fromHost(nans(batch * n * d), batch, n, d);
                 Tensor gk = be.fromHost(nans(batch * m * d), batch, m, d);
                 Tensor gv = be.fromHost(nans(batch * m * c), batch, m, c)) {
                be.attention().forward(tq, tk, tv, scale, o, lse);
                assertClose(impl + " o", be.toHostFloats(o), ref.o(), 1e-5);
                assertClose(impl + " lse", be.toHostFloats(lse), ref.lse(), 1e-5);
                be.attention().backward(tq, tk, tv, o, lse, tgo, scale, gq, gk, gv);
                if (m > 1) {   // with one key, grad_q and grad_k are 0 up to rounding: no relative error to speak of
                    assertClose(impl + " grad_q", be.toHostFloats(gq), grads[0], 1e-5);
                    assertClose(impl + " grad_k", be.toHostFloats(gk), grads[1], 1e-5);
                }
                assertClose(impl + " grad_v", be.toHostFloats(gv), grads[2], 1e-5);
            }
        }
    }

    @Test
    void badShapesAreOneLineErrors() {
        Backend be = backend();
        AttentionOps a = be.attention();
        try (Tensor q = be.zeros(2, 5, 4); Tensor k = be.zeros(2, 3, 4); Tensor v = be.zeros(2, 3, 6);
             Tensor o = be.zeros(2, 5, 6); Tensor lse = be.zeros(2, 5);
             Tensor kBadD = be.zeros(2, 3, 5); Tensor vBadM = be.zeros(2, 4, 6); Tensor q2 = be.zeros(10, 4);
             Tensor lseBad = be.zeros(2, 6); Tensor labels = be.fromHost(new int[] {1, 2}, 2)) {
            assertEquals("attention.forward: k has shape [2, 3, 5], expected (2, M, 4) (B and d of q [2, 5, 4])",
                    assertThrows(ShapeException.class, () -> a.forward(q, kBadD, v, 1f, o, lse)).getMessage());
            assertEquals("attention.forward: v has shape [2, 4, 6], expected (2, 3, c) (B of q, M of k [2, 3, 4])",
                    assertThrows(ShapeException.class, () -> a.forward(q, k, vBadM, 1f, o, lse)).getMessage());
            assertEquals("attention.forward: q must be rank 3 (B, N, d), got shape [10, 4]",
                    assertThrows(ShapeException.class, () -> a.forward(q2, k, v, 1f, o, lse)).getMessage());
            assertEquals("attention.forward: lse has shape [2, 6], expected [2, 5]",
                    assertThrows(ShapeException.class, () -> a.forward(q, k, v, 1f, o, lseBad)).getMessage());
            assertEquals("attention.forward: scale must be finite, got NaN",
                    assertThrows(ShapeException.class, () -> a.forward(q, k, v, Float.NaN, o, lse)).getMessage());
            assertEquals("attention.backward: grad_o has shape [2, 5, 4], expected [2, 5, 6]",
                    assertThrows(ShapeException.class, () -> a.backward(q, k, v, o, lse, q, 1f, q, k, v)).getMessage());
            assertEquals("attention.backward: grad_k has shape [2, 3, 6], expected [2, 3, 4]",
                    assertThrows(ShapeException.class, () -> a.backward(q, k, v, o, lse, o, 1f, q, v, v)).getMessage());
            assertEquals("attention.forward: lse must be float32, got int32",
                    assertThrows(ShapeException.class, () -> a.forward(q, k, v, 1f, o, labels)).getMessage());
            assertThrows(ShapeException.class, () -> a.setImpl("nope"));
        }
    }
}
