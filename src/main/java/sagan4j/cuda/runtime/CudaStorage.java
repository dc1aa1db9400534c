package sagan4j.cuda.runtime;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.Tensor;

/**
 * A CUDA tensor's memory: one block of the backend's caching allocator. Taking the pointer is where every op
 * on the tensor begins, so it is where the backend's context is made current on a new thread.
 */
public final class CudaStorage implements Tensor.Storage {
    private final CudaContext ctx;
    private final DeviceAllocator allocator;
    private final DeviceAllocator.Block block;

    public CudaStorage(CudaContext ctx, DeviceAllocator allocator, DeviceAllocator.Block block) {
        this.ctx = ctx;
        this.allocator = allocator;
        this.block = block;
    }

    public CUdeviceptr ptr() {
        ctx.ensureCurrent();
        return block.ptr();
    }

    @Override
    public void release() {
        allocator.free(block);
    }
}
