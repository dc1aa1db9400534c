package sagan4j.cuda.conv;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend;
import sagan4j.backend.ConvOps;
import sagan4j.backend.GemmMath;
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

    /** cuDNN's handle, or why there is none. */
    private record Cudnn(CudnnConv conv, String reason) {
        static Cudnn make(boolean available, CUstream stream, DeviceAllocator allocator) {
            if (!available) {
                return new Cudnn(null, "cuDNN did not load");
            }
            try {
                return new Cudnn(new CudnnConv(stream, allocator), null);
            } catch (jcuda.CudaException e) {
                return new Cudnn(null, "cudnnCreate failed: " + e.getMessage());
            }
        }

        List<String> impls() {
            return conv != null ? List.of("cudnn", "im2col") : List.of("im2col");
        }
    }

    /**
     * @param cudnnAvailable whether cuDNN's natives loaded; if so, a cuDNN handle is created here, and
     *                       a failure there leaves only im2col, with the reason kept for doctor
     */
    public CudaConv(Backend backend, KernelLibrary kernels, CUstream stream, DeviceAllocator allocator, GemmPath gemm,
                    boolean cudnnAvailable, Function<Tensor, CUdeviceptr> pointer, Supplier<GemmMath> math) {
        this(backend, kernels, stream, allocator, gemm, Cudnn.make(cudnnAvailable, stream, allocator), pointer, math);
    }

    private CudaConv(Backend backend, KernelLibrary kernels, CUstream stream, DeviceAllocator allocator, GemmPath gemm,
                     Cudnn cudnn, Function<Tensor, CUdeviceptr> pointer, Supplier<GemmMath> math) {
        super(backend, cudnn.impls());
        this.im2col = new Im2colConv(kernels, stream, allocator, gemm);
        this.cudnn = cudnn.conv();
        this.cudnnReason = cudnn.reason();
        this.pointer = pointer;
        this.math = math;
    }

    /** Why cuDNN is not offered, or null when it is. */
    public String cudnnUnavailableReason() {
        return cudnnReason;
    }

    private ConvPath path() {
        return impl().equals("cudnn") ? cudnn : im2col;
    }

    @Override
    protected void doForward(Tensor x, Tensor w, int padding, Tensor y) {
        path().forward(pointer.apply(x), pointer.apply(w), pointer.apply(y), ConvGeometry.of(x, w, padding), math.get());
    }

    @Override
    protected void doBackwardData(Tensor dy, Tensor w, int padding, Tensor dx) {
        path().backwardData(pointer.apply(dy), pointer.apply(w), pointer.apply(dx), ConvGeometry.of(dx, w, padding), math.get());
    }

    @Override
    protected void doBackwardFilter(Tensor x, Tensor dy, int padding, Tensor dw) {
        path().backwardFilter(pointer.apply(x), pointer.apply(dy), pointer.apply(dw), ConvGeometry.of(x, dw, padding), math.get());
    }

    @Override
    public void close() {
        im2col.close();
        if (cudnn != null) {
            cudnn.close();
        }
    }
}
