package sagan4j.cuda.spectralnorm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.DType;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.CudaDevice;

/**
 * Spectral normalisation on the CUDA backend: a thin user of {@link SpectralNormKernels} on the backend's
 * tensors and stream. A {@link Group} owns its descriptor array and scratch (allocated once, so the
 * addresses never change); the single-weight {@code forward} keeps a small cache of one-weight groups.
 */
public final class CudaSpectralNorm extends SpectralNormOps {
    /** One-weight groups kept for the single-weight forward (least recently used dropped beyond this). */
    private static final int CACHE = 64;

    private final CudaDevice cuda;
    private final SpectralNormKernels kernels;
    private final Tensor backwardScratch;
    private final Map<Weight, CudaGroup> single = new LinkedHashMap<>(16, 0.75f, true);

    public CudaSpectralNorm(CudaDevice cuda) {
        this(cuda, new SpectralNormKernels(cuda.kernels()));
    }

    private CudaSpectralNorm(CudaDevice cuda, SpectralNormKernels kernels) {
        super(cuda.backend(), kernels.versions());
        this.cuda = cuda;
        this.kernels = kernels;
        this.backwardScratch = cuda.backend().empty(DType.FLOAT32, SpectralNormKernels.BACKWARD_PARTIALS);
    }

    /** The kernels, for code that works on raw pointers. */
    public SpectralNormKernels kernels() {
        return kernels;
    }

    private CUdeviceptr p(Tensor t) {
        return t == null ? null : cuda.pointer(t);
    }

    /** Descriptors and scratch of a set of weights, on the device. */
    private final class CudaGroup extends Group {
        final SpectralNormKernels.WeightSet set = new SpectralNormKernels.WeightSet();
        final Tensor descs;
        final Tensor scratch;

        CudaGroup(List<Weight> weights) {
            super(CudaSpectralNorm.this, weights);
            for (Weight wt : weights) {
                set.add(p(wt.w()), rows(wt.w()), cols(wt.w()), p(wt.u()), p(wt.v()), p(wt.sigma()), p(wt.wSn()));
            }
            // float tensors as untyped device memory: sizes rounded up to whole floats
            descs = cuda.backend().empty(DType.FLOAT32, (int) (set.descriptorBytes() / Float.BYTES));
            try {
                scratch = cuda.backend().empty(DType.FLOAT32, (int) (set.scratchBytes() / Float.BYTES));
            } catch (RuntimeException e) {
                descs.close();
                throw e;
            }
            kernels.bind(set, cuda.pointer(descs), cuda.pointer(scratch), cuda.stream());
        }

        void run(String version, int iters, float eps) {
            kernels.powerIteration(version, set, cuda.pointer(descs), iters, eps, cuda.stream());
        }

        @Override
        protected void release() {
            descs.close();
            scratch.close();
        }
    }

    @Override
    protected void doForward(Weight wt, int iters, float eps) {
        CudaGroup g = single.get(wt);
        if (g == null) {
            g = new CudaGroup(List.of(wt));
            single.put(wt, g);
            if (single.size() > CACHE) {
                var oldest = single.entrySet().iterator().next();
                single.remove(oldest.getKey());
                oldest.getValue().close(); // the allocator reuses the memory only for work queued later on the same stream
            }
        }
        g.run(impl(), iters, eps);
    }

    @Override
    protected Group doGroup(List<Weight> weights) {
        return new CudaGroup(new ArrayList<>(weights));
    }

    @Override
    protected void doForward(Group group, int iters, float eps) {
        ((CudaGroup) group).run(impl(), iters, eps);
    }

    @Override
    protected void doBackward(Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor gradWSn, Tensor gradW, boolean accumulate) {
        kernels.backward(p(w), rows(w), cols(w), p(u), p(v), p(sigma), p(gradWSn), p(gradW),
                p(backwardScratch), accumulate, cuda.stream());
    }

    @Override
    protected void doDivide(Tensor w, Tensor sigma, Tensor wSn) {
        kernels.divide(p(w), p(sigma), p(wSn), w.size(), cuda.stream());
    }

    /** Frees the cached groups and the backward's scratch (called by the backend's close). */
    public void close() {
        single.values().forEach(Group::close);
        single.clear();
        backwardScratch.close();
    }
}
