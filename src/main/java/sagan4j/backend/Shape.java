package sagan4j.backend;

import java.util.Arrays;

/**
 * An immutable tensor shape, outermost dimension first (NCHW for images). Every dimension is at
 * least 1; the element count must fit in a {@code long}.
 */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        this.dims = dims;
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new ShapeException("shape " + Arrays.toString(dims) + ": every dimension must be >= 1, got " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        this.size = n;
    }

    public static Shape of(int... dims) {
        if (dims.length == 0) {
            throw new ShapeException("shape: at least one dimension expected, got none");
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative {@code i} counts from the end ({@code -1} is the last). */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements. */
    public long size() {
        return size;
    }

    /** Number of elements as an int, for host arrays; fails clearly when the tensor is too large for one. */
    public int sizeAsInt() {
        if (size > Integer.MAX_VALUE) {
            throw new ShapeException("shape " + this + ": " + size + " elements do not fit in one Java array");
        }
        return (int) size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
