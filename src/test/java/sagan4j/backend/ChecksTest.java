package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import sagan4j.reference.ReferenceBackend;

/**
 * The exact one-line messages of the shared argument checks: the CLI prints them, and the fuzz and contract
 * tests compare them across backends, so moving a check must not change a word.
 */
class ChecksTest {
    private static String message(Executable call) {
        return assertThrows(ShapeException.class, call).getMessage();
    }

    @Test
    void ownershipAndTypeMessages() {
        try (Backend be = new ReferenceBackend(); Backend other = new ReferenceBackend();
             Tensor x = be.zeros(2, 3); Tensor labels = be.fromHost(new int[] {0, 1}, 2); Tensor foreign = other.zeros(2)) {
            assertEquals("op: x is null", message(() -> Checks.requireOwned(be, "op", "x", null)));
            assertEquals("op: x belongs to backend reference, expected one made by this reference backend",
                    message(() -> Checks.requireOwned(be, "op", "x", foreign)));
            assertEquals("op: x must be float32, got int32", message(() -> Checks.requireFloat(be, "op", "x", labels)));
            assertEquals("op: labels must be int32, got float32", message(() -> Checks.requireInts(be, "op", "labels", x)));
            Tensor closed = be.zeros(4);
            closed.close();
            assertEquals("op: t [4] was already closed", message(() -> Checks.requireOwned(be, "op", "t", closed)));
        }
    }

    @Test
    void shapeMessages() {
        try (Backend be = new ReferenceBackend(); Tensor x = be.zeros(2, 3); Tensor y = be.zeros(3, 2); Tensor v = be.zeros(5)) {
            assertEquals("op: y has shape [3, 2], expected [2, 3] (the shape of x)",
                    message(() -> Checks.requireFloatLike(be, "op", "y", y, x, "x")));
            assertEquals("op: y has shape [3, 2], expected [2, 3]", message(() -> Checks.requireShape("op", "y", y, 2, 3)));
            assertEquals("op: v must have shape [4] (C), got [5]", message(() -> Checks.requireVector("op", "v", v, 4, " (C)")));
            assertEquals("op: x must have shape [6], got [2, 3]", message(() -> Checks.requireVector("op", "x", x, 6, "")));
            assertEquals("op: v has shape [5] (5 elements), expected 6 elements (the size of x [2, 3])",
                    message(() -> Checks.requireSameSize("op", "v", v, x, "x")));
            assertEquals("op: x must have rank 3 to 4, got shape [2, 3]", message(() -> Checks.requireRankIn("op", "x", x, 3, 4)));
            assertEquals("op: v must have rank 2, got shape [5]", message(() -> Checks.requireRankIn("op", "v", v, 2, 2)));
            assertEquals("op: shape [2, 3] needs 6 values, got 5", message(() -> Checks.requireLength("op", 5, x.shape())));
            assertEquals("op: decay must be in [0, 1], got 1.5", message(() -> Checks.requireUnit("op", "decay", 1.5f)));
        }
    }

    @Test
    void gemmMessagesAndShape() {
        try (Backend be = new ReferenceBackend(); Tensor a = be.zeros(2, 3); Tensor b = be.zeros(3, 4);
             Tensor c = be.zeros(2, 4); Tensor batched = be.zeros(5, 2, 4)) {
            assertEquals(new Backend.GemmShape(false, false, 1, 2, 4, 3, false, false), Checks.gemm(false, false, a, b, c));
            assertEquals(new Backend.GemmShape(false, false, 5, 2, 4, 3, false, false), Checks.gemm(false, false, a, b, batched));
            assertEquals("gemm: inner dimensions differ: op(A) is 3x2 (A [2, 3] transposed), op(B) is 3x4 (B [3, 4])",
                    message(() -> Checks.gemm(true, false, a, b, c)));
            assertEquals("gemm: C has shape [2, 3], expected [2, 4]", message(() -> Checks.gemm(false, false, a, b, a)));
        }
    }
}
