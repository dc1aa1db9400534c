package sagan4j.host;

import static sagan4j.host.HostStorage.floats;
import static sagan4j.host.HostStorage.ints;

import java.util.Arrays;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.GemmMath;
import sagan4j.backend.Shape;
import sagan4j.backend.Tensor;
import sagan4j.backend.WallClockTimer;

/**
 * What the two backends over Java arrays (the reference, oneDNN's) share: their memory. Tensors are
 * {@link HostStorage} arrays, uploads and downloads are array copies, and every op completes before it
 * returns, so {@code synchronize} has nothing to wait for. The arithmetic stays in each backend.
 */
public abstract class HostBackend extends Backend {

    @Override
    public final void synchronize() {
        // Every op has finished when it returns.
    }

    /** Wall time: every op has finished when it returns. */
    @Override
    public final Timer timer() {
        return new WallClockTimer();
    }

    /** FP32 only: the reference accumulates in double and oneDNN's GEMM is fp32, so there is nothing to switch. */
    @Override
    public final void setGemmMath(GemmMath math) {
        // nothing to switch
    }

    @Override
    public final GemmMath gemmMath() {
        return GemmMath.FP32;
    }

    @Override
    protected final Tensor.Storage allocate(Shape shape, DType dtype) {
        return HostStorage.allocate(dtype, shape.sizeAsInt());
    }

    @Override
    protected final void doUpload(Tensor dst, float[] data) {
        System.arraycopy(data, 0, floats(dst), 0, data.length);
    }

    @Override
    protected final void doUpload(Tensor dst, int[] data) {
        System.arraycopy(data, 0, ints(dst), 0, data.length);
    }

    @Override
    protected final float[] doDownloadFloats(Tensor t) {
        return Arrays.copyOf(floats(t), t.shape().sizeAsInt());
    }

    @Override
    protected final int[] doDownloadInts(Tensor t) {
        return Arrays.copyOf(ints(t), t.shape().sizeAsInt());
    }

    @Override
    protected final void doCopy(Tensor src, Tensor dst) {
        int n = src.shape().sizeAsInt();
        if (src.dtype() == DType.FLOAT32) {
            System.arraycopy(floats(src), 0, floats(dst), 0, n);
        } else {
            System.arraycopy(ints(src), 0, ints(dst), 0, n);
        }
    }
}
