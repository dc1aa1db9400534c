package sagan4j.onednn;

import sagan4j.backend.Tensor;

/** A tensor of the oneDNN backend: one Java array (float32 or int32); see OneDnnBackend for why the heap. */
final class HeapStorage implements Tensor.Storage {
    final float[] floats;
    final int[] ints;

    HeapStorage(float[] floats, int[] ints) {
        this.floats = floats;
        this.ints = ints;
    }

    @Override
    public void release() {
        // The garbage collector owns Java arrays.
    }
}
