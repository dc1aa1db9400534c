package sagan4j.examples;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.cuda.runtime.KernelLibrary;
import sagan4j.cuda.spectralnorm.SpectralNormKernels;

/**
 * The README/docs example of embedding the spectral-norm kernels: the caller's device memory, the
 * caller's stream, the current CUDA context; no sagan4j tensor, allocator or model. The code between the
 * example markers is the code block of docs/kernels/spectral-norm.md (SpectralNormDocExampleTest).
 */
public final class SpectralNormExample {
    private SpectralNormExample() {
    }

    /**
     * One training step's spectral norm of W (out, rest) and its backward: u updated, v, σ and W/σ written,
     * then gradW = (G − ⟨G, W/σ⟩ u vᵀ)/σ for G = gradWSn. Waits for the stream before returning.
     */
    public static void run(CUdeviceptr w, int out, int rest, CUdeviceptr u, CUdeviceptr v, CUdeviceptr sigma,
                           CUdeviceptr wSn, CUdeviceptr gradWSn, CUdeviceptr gradW, CUstream stream) {
        // example:begin
        KernelLibrary kernels = KernelLibrary.forCurrentContext();   // loads the modules: close it when done
        SpectralNormKernels sn = new SpectralNormKernels(kernels);
        SpectralNormKernels.WeightSet set = new SpectralNormKernels.WeightSet()
                .add(w, out, rest, u, v, sigma, wSn);     // one add(...) per SN weight of the model
        CUdeviceptr descs = new CUdeviceptr(), scratch = new CUdeviceptr(), partials = new CUdeviceptr();
        cuMemAlloc(descs, set.descriptorBytes());
        cuMemAlloc(scratch, set.scratchBytes());
        cuMemAlloc(partials, SpectralNormKernels.backwardScratchBytes());
        sn.bind(set, descs, scratch, stream);             // once: the descriptors hold the pointers

        // every training step: 1 power-iteration step from the persistent u for all weights, one launch
        sn.powerIteration(SpectralNormKernels.GROUPED, set, descs, 1, 1e-12f, stream);
        // ... forward and backward of the layer with W/σ, giving G = dL/d(W/σ) in gradWSn ...
        sn.backward(w, out, rest, u, v, sigma, gradWSn, gradW, partials, stream);
        // example:end
        cuStreamSynchronize(stream);
        cuMemFree(descs);
        cuMemFree(scratch);
        cuMemFree(partials);
        kernels.close();
    }
}
