package sagan4j.onednn;

import org.bytedeco.javacpp.FloatPointer;

/**
 * Reusable native (off-heap) float buffers, one per role, grown on demand and never shrunk: where the
 * heap tensors are staged for oneDNN (see {@link OneDnnBackend} for why tensors live on the heap). Each
 * buffer is a position-0 FloatPointer owned here; callers must not keep it across a larger request.
 */
final class NativeBuffers implements AutoCloseable {
    private final FloatPointer[] slots;

    NativeBuffers(int roles) {
        slots = new FloatPointer[roles];
    }

    /** The buffer of {@code role} with room for at least {@code floats} values (contents undefined). */
    FloatPointer get(int role, long floats) {
        FloatPointer p = slots[role];
        if (p == null || p.capacity() < floats) {
            if (p != null) {
                p.close();
            }
            // malloc'd by JavaCPP: blocks of the sizes that matter come from mmap, page-aligned.
            p = new FloatPointer(Math.max(floats, 16));
            slots[role] = p;
        }
        return p;
    }

    /** Copies {@code n} floats of {@code src} from {@code offset} into the buffer of {@code role}. */
    FloatPointer stage(int role, float[] src, int offset, int n) {
        FloatPointer p = get(role, n);
        p.put(src, offset, n);
        return p;
    }

    @Override
    public void close() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) {
                slots[i].close();
                slots[i] = null;
            }
        }
    }
}
