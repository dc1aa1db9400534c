package sagan4j.examples;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import sagan4j.cuda.attention.AttentionKernels;
import sagan4j.cuda.natives.CudaNatives;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * The embedding example of docs/kernels/attention.md (the region between the example markers is the
 * doc's code block, checked by AttentionDocExampleTest): sagan4j's fused attention forward on the
 * caller's own context, stream and device memory. {@code AttentionExampleNativeTest} runs it.
 */
public final class AttentionExample {
    private AttentionExample() {
    }

    /** o (B, N, c) of attention with scale 1 for host q (B,N,d), k (B,M,d), v (B,M,c). */
    public static float[] run(float[] hostQ, float[] hostK, float[] hostV, int B, int N, int M, int d, int c) {
        float[] hostO = new float[B * N * c];
        // example:begin
        CudaNatives.load();   // JCuda's natives, bound to the CUDA libraries this machine has
        cuInit(0);
        CUdevice device = new CUdevice();
        cuDeviceGet(device, 0);
        CUcontext context = new CUcontext();
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        CUstream stream = new CUstream();
        cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);

        // Your device memory, row-major float32: q (B,N,d), k (B,M,d), v (B,M,c) -> o (B,N,c), lse (B,N).
        CUdeviceptr q = new CUdeviceptr(), k = new CUdeviceptr(), v = new CUdeviceptr();
        CUdeviceptr o = new CUdeviceptr(), lse = new CUdeviceptr();
        cuMemAlloc(q, 4L * B * N * d);
        cuMemAlloc(k, 4L * B * M * d);
        cuMemAlloc(v, 4L * B * M * c);
        cuMemAlloc(o, 4L * B * N * c);
        cuMemAlloc(lse, 4L * B * N);
        cuMemcpyHtoDAsync(q, Pointer.to(hostQ), 4L * B * N * d, stream);
        cuMemcpyHtoDAsync(k, Pointer.to(hostK), 4L * B * M * d, stream);
        cuMemcpyHtoDAsync(v, Pointer.to(hostV), 4L * B * M * c, stream);

        KernelLibrary kernels = KernelLibrary.forCurrentContext();   // sagan4j's packed kernels
        AttentionKernels attention = new AttentionKernels(kernels);
        attention.forwardFused(q, k, v, o, lse, B, N, M, d, c, 1f, stream);   // queued on your stream

        cuMemcpyDtoHAsync(Pointer.to(hostO), o, 4L * B * N * c, stream);
        cuStreamSynchronize(stream);
        // example:end
        for (CUdeviceptr p : new CUdeviceptr[] {q, k, v, o, lse}) {
            cuMemFree(p);
        }
        kernels.close();
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
        return hostO;
    }
}
