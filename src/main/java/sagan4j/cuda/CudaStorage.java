package sagan4j.cuda;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.Tensor;

/** A CUDA tensor's memory: one block of the backend's caching allocator. */
final class CudaStorage implements Tensor.Storage {
    private final DeviceAllocator allocator;
    private final DeviceAllocator.Block block;

    CudaStorage(DeviceAllocator allocator, DeviceAllocator.Block block) {
        this.allocator = allocator;
        this.block = block;
    }

    CUdeviceptr ptr() {
        return block.ptr();
    }

    @Override
    public void release() {
        allocator.free(block);
    }
}
