package sagan4j.backend;

import java.util.Arrays;

import sagan4j.backend.Backend.GemmShape;

/**
 * The argument checks that {@link Backend} and every op family run before any backend code: each throws a
 * {@link ShapeException} of one line naming the op, the argument, what was expected and what it got, so that a
 * bad call fails the same way on every backend. {@code op} is the op's name as the message starts with it
 * ("upsample2x", "attention.forward"), {@code name} the argument's.
 */
public final class Checks {
    private Checks() {
    }

    /** {@code t} is not null, was made by {@code backend} and is not closed. */
    public static void requireOwned(Backend backend, String op, String name, Tensor t) {
        if (t == null) {
            throw new ShapeException(op + ": " + name + " is null");
        }
        if (t.backend() != backend) {
            throw new ShapeException(op + ": " + name + " belongs to backend " + t.backend().name()
                    + ", expected one made by this " + backend.name() + " backend");
        }
        if (t.isClosed()) {
            throw new ShapeException(op + ": " + name + " " + t.shape() + " was already closed");
        }
    }

    /** {@link #requireOwned}, and float32. */
    public static void requireFloat(Backend backend, String op, String name, Tensor t) {
        requireOwned(backend, op, name, t);
        if (t.dtype() != DType.FLOAT32) {
            throw new ShapeException(op + ": " + name + " must be float32, got " + t.dtype().label());
        }
    }

    /** {@link #requireOwned}, and int32 (labels, argmax). */
    public static void requireInts(Backend backend, String op, String name, Tensor t) {
        requireOwned(backend, op, name, t);
        if (t.dtype() != DType.INT32) {
            throw new ShapeException(op + ": " + name + " must be int32, got " + t.dtype().label());
        }
    }

    /** {@link #requireFloat}, and the shape of {@code ref} (an output or gradient shaped like an input). */
    public static void requireFloatLike(Backend backend, String op, String name, Tensor t, Tensor ref, String refName) {
        requireFloat(backend, op, name, t);
        requireSame(op, name, t, ref, refName);
    }

    /** {@code t} must have the shape of {@code ref}. */
    public static void requireSame(String op, String name, Tensor t, Tensor ref, String refName) {
        if (!t.shape().equals(ref.shape())) {
            throw new ShapeException(op + ": " + name + " has shape " + t.shape() + ", expected "
                    + ref.shape() + " (the shape of " + refName + ")");
        }
    }

    /** {@code t} must have exactly the dimensions {@code dims}. */
    public static void requireShape(String op, String name, Tensor t, int... dims) {
        if (!t.shape().equals(Shape.of(dims))) {
            throw new ShapeException(op + ": " + name + " has shape " + t.shape() + ", expected " + Arrays.toString(dims));
        }
    }

    /**
     * {@code t} must be a vector of {@code length} elements; {@code what} follows the expected shape in the
     * message (" (C)" for a per-channel vector, or "").
     */
    public static void requireVector(String op, String name, Tensor t, int length, String what) {
        if (t.rank() != 1 || t.dim(0) != length) {
            throw new ShapeException(op + ": " + name + " must have shape [" + length + "]" + what + ", got " + t.shape());
        }
    }

    /** {@code t} must have as many elements as {@code ref} (the elementwise ops over flat views). */
    public static void requireSameSize(String op, String name, Tensor t, Tensor ref, String refName) {
        if (t.size() != ref.size()) {
            throw new ShapeException(op + ": " + name + " has shape " + t.shape() + " (" + t.size() + " elements), expected "
                    + ref.size() + " elements (the size of " + refName + " " + ref.shape() + ")");
        }
    }

    /** {@code t} must have a rank in [lo, hi]. */
    public static void requireRankIn(String op, String name, Tensor t, int lo, int hi) {
        if (t.rank() < lo || t.rank() > hi) {
            throw new ShapeException(op + ": " + name + " must have rank " + (lo == hi ? lo : lo + " to " + hi)
                    + ", got shape " + t.shape());
        }
    }

    /** A host array of {@code length} values must fill {@code shape} exactly. */
    public static void requireLength(String op, int length, Shape shape) {
        if (length != shape.size()) {
            throw new ShapeException(op + ": shape " + shape + " needs " + shape.size()
                    + " values, got " + length);
        }
    }

    /** A scalar setting must lie in [0, 1] (a decay, a momentum). */
    public static void requireUnit(String op, String name, float value) {
        if (!(value >= 0f && value <= 1f)) {
            throw new ShapeException(op + ": " + name + " must be in [0, 1], got " + value);
        }
    }

    /**
     * The dimensions of C ← alpha·op(A)·op(B) + beta·C (see {@link Backend#gemm}): C rank 2 (M, N) or 3
     * (batch, M, N), A and B rank 2 or C's rank, equal batch sizes and inner dimensions.
     */
    public static GemmShape gemm(boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
        int rc = c.rank();
        if (rc != 2 && rc != 3) {
            throw new ShapeException("gemm: C must be rank 2 (M, N) or 3 (batch, M, N), got shape " + c.shape());
        }
        for (Tensor t : new Tensor[] {a, b}) {
            if (t.rank() != 2 && t.rank() != rc) {
                throw new ShapeException("gemm: " + (t == a ? "A" : "B") + " must be rank 2"
                        + (rc == 3 ? " or 3" : "") + " like C " + c.shape() + ", got shape " + t.shape());
            }
        }
        int batch = rc == 3 ? c.dim(0) : 1;
        boolean batchedA = a.rank() == 3;
        boolean batchedB = b.rank() == 3;
        if (batchedA && a.dim(0) != batch || batchedB && b.dim(0) != batch) {
            throw new ShapeException("gemm: batch sizes differ: A " + a.shape() + ", B " + b.shape()
                    + ", C " + c.shape());
        }
        int m = transA ? a.dim(-1) : a.dim(-2);
        int ka = transA ? a.dim(-2) : a.dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2);
        int n = transB ? b.dim(-2) : b.dim(-1);
        if (ka != kb) {
            throw new ShapeException("gemm: inner dimensions differ: op(A) is " + m + "x" + ka + " (A "
                    + a.shape() + (transA ? " transposed" : "") + "), op(B) is " + kb + "x" + n + " (B "
                    + b.shape() + (transB ? " transposed" : "") + ")");
        }
        if (c.dim(-2) != m || c.dim(-1) != n) {
            int[] want = rc == 3 ? new int[] {batch, m, n} : new int[] {m, n};
            throw new ShapeException("gemm: C has shape " + c.shape() + ", expected " + Arrays.toString(want));
        }
        return new GemmShape(transA, transB, batch, m, n, ka, batchedA, batchedB);
    }
}
