package sagan4j.examples;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.cuda.condbatchnorm.CondBatchNormKernels;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * The embedding example of docs/kernels/cond-batchnorm.md: sagan4j's conditional batch norm on the
 * caller's device memory and stream, with nothing of sagan4j but the kernels. The region between the
 * example markers is the doc's code block (CondBatchNormDocExampleTest keeps them equal);
 * CondBatchNormExampleNativeTest runs it.
 */
public final class CondBatchNormExample {
    private CondBatchNormExample() {
    }

    /**
     * One training step: x (b, c, h, w), labels (b) int32, gamma/beta (k, c) class tables, running
     * statistics (c); writes y, mean, var (c), and dx, dgamma, dbeta (k, c) from dy.
     */
    public static void trainStep(int b, int c, int h, int w, int k, CUdeviceptr x, CUdeviceptr labels,
                                 CUdeviceptr gamma, CUdeviceptr beta, CUdeviceptr runningMean, CUdeviceptr runningVar,
                                 CUdeviceptr y, CUdeviceptr mean, CUdeviceptr var, CUdeviceptr dy, CUdeviceptr dx,
                                 CUdeviceptr dgamma, CUdeviceptr dbeta, CUstream stream) {
        // example:begin
        // after CudaNatives.load(), with your CUDA context current on this thread
        try (KernelLibrary lib = KernelLibrary.forCurrentContext()) {
            CondBatchNormKernels cbn = new CondBatchNormKernels(lib);
            // k classes: gamma, beta are (k, c) tables picked by labels; k = 0 and labels = null: (b, c) rows
            CondBatchNormKernels.Geometry g = new CondBatchNormKernels.Geometry(b, c, h, w, k);
            CUdeviceptr scratch = new CUdeviceptr();
            cuMemAlloc(scratch, CondBatchNormKernels.scratchBytes(g));
            cbn.forwardTraining("auto", g, x, labels, gamma, beta, 1e-5f, 0.1f, runningMean, runningVar,
                    y, mean, var, scratch, stream);
            cbn.backward("auto", g, x, labels, gamma, mean, var, 1e-5f, dy, dx, dgamma, dbeta, scratch, stream);
            cuStreamSynchronize(stream);
            cuMemFree(scratch);
        }
        // example:end
    }
}
