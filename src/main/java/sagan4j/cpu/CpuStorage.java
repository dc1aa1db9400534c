package sagan4j.cpu;

import sagan4j.backend.Tensor;

/** A CPU tensor's memory: one Java array, float[] for float32 or int[] for int32. */
final class CpuStorage implements Tensor.Storage {
    final float[] floats;
    final int[] ints;

    CpuStorage(float[] floats, int[] ints) {
        this.floats = floats;
        this.ints = ints;
    }

    @Override
    public void release() {
        // The garbage collector owns Java arrays.
    }
}
