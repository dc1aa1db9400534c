package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import sagan4j.testing.ContractSuite;
import sagan4j.testing.Reference;

/**
 * {@link sagan4j.backend.LayerOps#countNonFinite} (the probe of {@code train --check-finite}) on any backend, against a plain
 * loop over the same host values: fresh random values with NaN, +∞ and −∞ at random places, and huge finite
 * values whose squares overflow (a screen by a sum of squares must not call those non-finite). It runs on
 * the host backends ({@link ContractSuite}); the CUDA native suite supplies its own.
 */
public class NonFiniteCountContractTest extends ContractSuite {
    private static final float[] POISONS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc01234)};

    /** The oracle: NaN is the only value unequal to itself; ±∞ the only ones with |v| = ∞. */
    private static long loopCount(float[] a) {
        long n = 0;
        for (float v : a) {
            if (v != v || Math.abs(v) == Float.POSITIVE_INFINITY) {
                n++;
            }
        }
        return n;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1000, 65_537, 300_001})
    void countsEveryNaNAndInfinity(int n) {
        Backend be = backend();
        SplittableRandom rng = new SplittableRandom(9000 + n);
        for (int poisons : new int[] {0, 1, 2, Math.max(1, n / 50)}) {
            float[] a = Reference.random(rng, n, 3.0);
            for (int i = 0; i < poisons; i++) {
                a[rng.nextInt(n)] = POISONS[rng.nextInt(POISONS.length)];
            }
            try (Tensor x = be.fromHost(a, n)) {
                assertEquals(loopCount(a), be.layers().countNonFinite(x), "n " + n + ", " + poisons + " poisons");
                assertArrayEquals(a, be.toHostFloats(x), "the count leaves its input alone");
            }
        }
    }

    @Test
    void hugeFiniteValuesAreFinite() {
        Backend be = backend();
        float[] a = Reference.random(new SplittableRandom(77), 4 * 3 * 5 * 7, 1.0);
        a[3] = Float.MAX_VALUE;
        a[50] = -3e38f;
        a[100] = 1e20f;
        try (Tensor x = be.fromHost(a, 4, 3, 5, 7)) {
            assertEquals(0, be.layers().countNonFinite(x));
            a[101] = Float.NaN;
            be.upload(a, x);
            assertEquals(1, be.layers().countNonFinite(x));
            assertEquals(1, be.layers().countNonFinite(x.reshape(4 * 3, 35)), "a view counts the same");
        }
    }

    @Test
    void anIntTensorIsRefused() {
        Backend be = backend();
        try (Tensor labels = be.fromHost(new int[] {1, 2}, 2)) {
            assertThrows(ShapeException.class, () -> be.layers().countNonFinite(labels));
        }
    }
}
