package sagan4j.host;

import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/**
 * A tensor's memory on the backends that keep tensors in Java arrays (the reference and oneDNN's): one
 * array, float[] for float32 or int[] for int32, owned by the garbage collector.
 */
public final class HostStorage implements Tensor.Storage {
    private final float[] floats;
    private final int[] ints;

    private HostStorage(float[] floats, int[] ints) {
        this.floats = floats;
        this.ints = ints;
    }

    /** Zeroed storage of n elements of the given type. */
    public static HostStorage allocate(DType dtype, int n) {
        return dtype == DType.FLOAT32 ? new HostStorage(new float[n], null) : new HostStorage(null, new int[n]);
    }

    /** The float32 array behind {@code t} (a tensor of a host backend). */
    public static float[] floats(Tensor t) {
        return t.storage(HostStorage.class).floats;
    }

    /** The int32 array behind {@code t}, or null for a null tensor (optional label inputs). */
    public static int[] ints(Tensor t) {
        return t == null ? null : t.storage(HostStorage.class).ints;
    }

    @Override
    public void release() {
        // The garbage collector owns Java arrays.
    }
}
