package sagan4j.cuda.conv;

import java.util.List;
import java.util.function.Supplier;

import jcuda.driver.CUstream;
import sagan4j.backend.ConvOps;
import sagan4j.backend.GemmMath;
import sagan4j.backend.Tensor;
import sagan4j.cuda.gemm.GemmPath;
import sagan4j.cuda.runtime.CudaDevice;
import sagan4j.cuda.runtime.DeviceAllocator;

/**
 * The CUDA convolution: "cudnn" (when cuDNN loads; the default then) or "im2col" (kernels/conv.cu + the
 * backend's GEMM path). The GEMM math setting (FP32/TF32) applies to both.
 */
public final class CudaConv extends ConvOps implements AutoCloseable {
    private final Im2colConv im2col;
    private final CudnnConv cudnn;
    private final CudaDevice device;
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
    public CudaConv(CudaDevice device, GemmPath gemm, boolean cudnnAvailable, Supplier<GemmMath> math) {
        this(device, gemm, Cudnn.make(cudnnAvailable, device.stream(), device.allocator()), math);
    }

    private CudaConv(CudaDevice device, GemmPath gemm, Cudnn cudnn, Supplier<GemmMath> math) {
        super(device.backend(), cudnn.impls());
        this.im2col = new Im2colConv(device.kernels(), device.stream(), device.allocator(), gemm);
        this.cudnn = cudnn.conv();
        this.cudnnReason = cudnn.reason();
        this.device = device;
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
        path().forward(device.pointer(x), device.pointer(w), device.pointer(y), ConvGeometry.of(x, w, padding), math.get());
    }

    @Override
    protected void doBackwardData(Tensor dy, Tensor w, int padding, Tensor dx) {
        path().backwardData(device.pointer(dy), device.pointer(w), device.pointer(dx), ConvGeometry.of(dx, w, padding), math.get());
    }

    @Override
    protected void doBackwardFilter(Tensor x, Tensor dy, int padding, Tensor dw) {
        path().backwardFilter(device.pointer(x), device.pointer(dy), device.pointer(dw), ConvGeometry.of(x, dw, padding), math.get());
    }

    @Override
    public void close() {
        im2col.close();
        if (cudnn != null) {
            cudnn.close();
        }
    }
}
