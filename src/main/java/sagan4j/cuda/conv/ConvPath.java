package sagan4j.cuda.conv;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.GemmMath;

/** One way to run the three convolution passes on device memory: cuDNN or im2col + GEMM. */
interface ConvPath extends AutoCloseable {
    void forward(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, ConvGeometry g, GemmMath math);

    void backwardData(CUdeviceptr dy, CUdeviceptr w, CUdeviceptr dx, ConvGeometry g, GemmMath math);

    void backwardFilter(CUdeviceptr x, CUdeviceptr dy, CUdeviceptr dw, ConvGeometry g, GemmMath math);

    @Override
    void close();
}
