package sagan4j.cuda.runtime;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;

/**
 * What a CUDA op family needs of the backend it runs on: the backend its tensors belong to, the tensors'
 * device pointers, the one stream, the packed kernels and the caching allocator. {@code CudaBackend}
 * implements it; the family packages ({@code sagan4j.cuda.attention}, {@code .optim}, ...) see only this,
 * so that they never import the backend that wires them (no package cycle).
 */
public interface CudaDevice {
    /** The backend whose tensors the family takes (for its checks and the scratch tensors it allocates). */
    Backend backend();

    /** The device pointer behind a tensor of {@link #backend()}. */
    CUdeviceptr pointer(Tensor t);

    /** The stream every op of the backend is queued on. */
    CUstream stream();

    /** The packed kernels, loaded into the backend's context. */
    KernelLibrary kernels();

    /** The backend's caching allocator (stream-ordered reuse on {@link #stream()}). */
    DeviceAllocator allocator();
}
