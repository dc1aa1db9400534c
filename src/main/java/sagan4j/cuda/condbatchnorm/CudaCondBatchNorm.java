package sagan4j.cuda.condbatchnorm;

import java.util.List;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.CudaDevice;

/**
 * Conditional batch norm on the CUDA backend: a thin user of {@link CondBatchNormKernels} on the backend's
 * stream. Holds one scratch buffer, grown when a call needs more (so once per new, larger shape) and freed
 * by {@link #close()}; nothing else allocates or synchronises.
 */
public final class CudaCondBatchNorm extends CondBatchNormOps implements AutoCloseable {
    private final CudaDevice cuda;
    private final CondBatchNormKernels kernels;
    private Tensor scratch;

    public CudaCondBatchNorm(CudaDevice cuda) {
        super(cuda.backend(), List.of(CondBatchNormKernels.AUTO, CondBatchNormKernels.FUSED, CondBatchNormKernels.TWO_PASS));
        this.cuda = cuda;
        this.kernels = new CondBatchNormKernels(cuda.kernels());
    }

    /** The kernels this object launches (for benchmarks and tests that call a version directly). */
    public CondBatchNormKernels kernels() {
        return kernels;
    }

    private static CondBatchNormKernels.Geometry geometry(Dims d) {
        return new CondBatchNormKernels.Geometry(d.b(), d.c(), d.h(), d.w(), d.k());
    }

    private CUdeviceptr p(Tensor t) {
        return t == null ? null : cuda.pointer(t);
    }

    /** Scratch of at least the bytes this geometry needs. */
    public CUdeviceptr scratch(CondBatchNormKernels.Geometry g) {
        long bytes = CondBatchNormKernels.scratchBytes(g);
        if (scratch == null || scratch.bytes() < bytes) {
            if (scratch != null) {
                scratch.close(); // stream order keeps queued kernels safe: the allocator hands it out on this stream only
            }
            scratch = cuda.backend().empty(DType.FLOAT32, (int) Math.max(1, (bytes + 3) / 4));
        }
        return cuda.pointer(scratch);
    }

    @Override
    protected void doForwardTraining(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta, float eps,
                                     float momentum, Tensor runningMean, Tensor runningVar, Tensor y, Tensor mean,
                                     Tensor var) {
        CondBatchNormKernels.Geometry g = geometry(d);
        kernels.forwardTraining(impl(), g, p(x), p(labels), p(gamma), p(beta), eps, momentum, p(runningMean),
                p(runningVar), p(y), p(mean), p(var), scratch(g), cuda.stream());
    }

    @Override
    protected void doForwardEval(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta, Tensor runningMean,
                                 Tensor runningVar, float eps, Tensor y) {
        kernels.forwardEval(geometry(d), p(x), p(labels), p(gamma), p(beta), p(runningMean), p(runningVar), eps, p(y),
                cuda.stream());
    }

    @Override
    protected void doBackward(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor mean, Tensor var, float eps,
                              Tensor gradY, Tensor gradX, Tensor gradGamma, Tensor gradBeta) {
        CondBatchNormKernels.Geometry g = geometry(d);
        kernels.backward(impl(), g, p(x), p(labels), p(gamma), p(mean), p(var), eps, p(gradY), p(gradX), p(gradGamma),
                p(gradBeta), scratch(g), cuda.stream());
    }

    @Override
    public void close() {
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
    }
}
