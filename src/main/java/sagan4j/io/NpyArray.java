package sagan4j.io;

import java.util.Arrays;

/**
 * An array read from or written to a {@code .npy} file: its shape and either float32 or integer data
 * (int32, or int64 narrowed to int with a range check — labels).
 */
public record NpyArray(int[] shape, float[] floats, int[] ints) {

    public static NpyArray ofFloats(float[] data, int... shape) {
        return new NpyArray(shape.clone(), data, null);
    }

    public static NpyArray ofInts(int[] data, int... shape) {
        return new NpyArray(shape.clone(), null, data);
    }

    public boolean isFloat() {
        return floats != null;
    }

    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
