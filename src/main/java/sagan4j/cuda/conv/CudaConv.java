package sagan4j.cuda.conv;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend;
import sagan4j.backend.ConvOps;
import sagan4j.backend.GemmMath;
import sagan4j.backend.ShapeException;
import sagan4j.backend.Tensor;
import sagan4j.cuda.DeviceAllocator;
import sagan4j.cuda.KernelLibrary;
import sagan4j.cuda.gemm.GemmPath;

/**
 * The CUDA convolution: "cudnn" (when cuDNN loads; the default then) or "im2col" (kernels/conv.cu + the
 * backend's GEMM path). The GEMM math setting (FP32/TF32) applies to both.
 */
public final class CudaConv extends ConvOps implements AutoCloseable {
    private final Im2colConv im2col;
    private final CudnnConv cudnn;
    private final Function<Tensor, CUdeviceptr> pointer;
    private final Supplier<GemmMath> math;
    private final String cudnnReason;
    private String impl;

    /**
     * @param cudnnAvailable whether cuDNN's natives loaded; if so, a cuDNN handle is created here, and
     *                       a failure there leaves only im2col, with the reason kept for doctor
     */
    public CudaConv(Backend backend, KernelLibrary kernels, CUstream stream, DeviceAllocator allocator, GemmPath gemm,
                    boolean cudnnAvailable, Function<Tensor, CUdeviceptr> pointer, Supplier<GemmMath> math) {
        super(backend);
        this.im2col = new Im2colConv(kernels, stream, allocator, gemm);
        CudnnConv made = null;
        String reason = cudnnAvailable ? null : "cuDNN did not load";
        if (cudnnAvailable) {
            try {
                made = new CudnnConv(stream, allocator);
            } catch (jcuda.CudaException e) {
                reason = "cudnnCreate failed: " + e.getMessage();
            }
        }
        this.cudnn = made;
        this.cudnnReason = reason;
        this.pointer = pointer;
        this.math = math;
        this.impl = made != null ? "cudnn" : "im2col";
    }

    /** Why cuDNN is not offered, or null when it is. */
    public String cudnnUnavailableReason() {
        return cudnnReason;
    }

    @Override
    public List<String> impls() {
        List<String> l = new ArrayList<>();
        if (cudnn != null) {
            l.add("cudnn");
        }
        l.add("im2col");
        return l;
    }

    @Override
    public String impl() {
        return impl;
    }

    @Override
    public void setImpl(String name) {
        if (!impls().contains(name)) {
            throw new ShapeException("conv: this CUDA backend has implementations " + impls() + ", not '" + name + "'");
        }
        impl = name;
    }

    @Override
    protected void doForward(Tensor x, Tensor w, int padding, Tensor y) {
        ConvGeometry g = ConvGeometry.of(x, w, padding);
        if (impl.equals("cudnn")) {
            cudnn.forward(pointer.apply(x), pointer.apply(w), pointer.apply(y), g, math.get());
        } else {
            im2col.forward(pointer.apply(x), pointer.apply(w), pointer.apply(y), g, math.get());
        }
    }

    @Override
    protected void doBackwardData(Tensor dy, Tensor w, int padding, Tensor dx) {
        ConvGeometry g = ConvGeometry.of(dx, w, padding);
        if (impl.equals("cudnn")) {
            cudnn.backwardData(pointer.apply(dy), pointer.apply(w), pointer.apply(dx), g, math.get());
        } else {
            im2col.backwardData(pointer.apply(dy), pointer.apply(w), pointer.apply(dx), g, math.get());
        }
    }

    @Override
    protected void doBackwardFilter(Tensor x, Tensor dy, int padding, Tensor dw) {
        ConvGeometry g = ConvGeometry.of(x, dw, padding);
        if (impl.equals("cudnn")) {
            cudnn.backwardFilter(pointer.apply(x), pointer.apply(dy), pointer.apply(dw), g, math.get());
        } else {
            im2col.backwardFilter(pointer.apply(x), pointer.apply(dy), pointer.apply(dw), g, math.get());
        }
    }

    @Override
    public void close() {
        im2col.close();
        if (cudnn != null) {
            cudnn.close();
        }
    }
}
