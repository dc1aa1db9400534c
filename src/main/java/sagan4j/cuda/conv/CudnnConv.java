package sagan4j.cuda.conv;

import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardData;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardFilter;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionForward;
import static jcuda.jcudnn.JCudnn.cudnnCreate;
import static jcuda.jcudnn.JCudnn.cudnnCreateConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroy;
import static jcuda.jcudnn.JCudnn.cudnnDestroyConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionForwardAlgorithm_v7;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolution2dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionMathType;
import static jcuda.jcudnn.JCudnn.cudnnSetFilter4dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetStream;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptor;

import java.util.HashMap;
import java.util.Map;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnDeterminism;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnStatus;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.jcudnn.cudnnTensorFormat;
import jcuda.runtime.cudaStream_t;
import sagan4j.backend.GemmMath;
import sagan4j.cuda.runtime.DeviceAllocator;
import sagan4j.cuda.runtime.DeviceCounters;

/**
 * Convolution through cuDNN's legacy API (JCudnn 11.7 classes over the cuDNN 9 natives). For each shape
 * and math mode a {@link Plan} — descriptors and the three algorithms — is made once and cached; the
 * algorithms are cuDNN's heuristic ranking (cudnnGet…Algorithm_v7), filtered to deterministic ones that
 * succeed within {@link #MAX_WORKSPACE} bytes of workspace. The workspace is one device block owned here,
 * grown to the largest plan's need. FP32 sets CUDNN_FMA_MATH (no TF32 tensor cores); TF32 lets cuDNN use them.
 */
final class CudnnConv implements ConvPath {
    static final long MAX_WORKSPACE = 1L << 30;
    private static final int CANDIDATES = 16;

    private final cudnnHandle handle = new cudnnHandle();
    private final DeviceAllocator allocator;
    private final Map<Key, Plan> plans = new HashMap<>();
    private DeviceAllocator.Block workspace;

    private record Key(ConvGeometry g, GemmMath math) {
    }

    /** Descriptors and algorithms for one shape. */
    private static final class Plan {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor();
        final cudnnTensorDescriptor y = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
        int fwdAlgo;
        int bwdDataAlgo;
        int bwdFilterAlgo;
        long workspaceBytes;
    }

    CudnnConv(CUstream stream, DeviceAllocator allocator) {
        this.allocator = allocator;
        cudnnCreate(handle);
        cudnnSetStream(handle, new cudaStream_t(stream));
    }

    private Plan plan(ConvGeometry g, GemmMath math) {
        return plans.computeIfAbsent(new Key(g, math), key -> {
            Plan p = new Plan();
            cudnnCreateTensorDescriptor(p.x);
            cudnnCreateTensorDescriptor(p.y);
            cudnnCreateFilterDescriptor(p.w);
            cudnnCreateConvolutionDescriptor(p.conv);
            cudnnSetTensor4dDescriptor(p.x, cudnnTensorFormat.CUDNN_TENSOR_NCHW, cudnnDataType.CUDNN_DATA_FLOAT,
                    g.b(), g.cin(), g.h(), g.w());
            cudnnSetTensor4dDescriptor(p.y, cudnnTensorFormat.CUDNN_TENSOR_NCHW, cudnnDataType.CUDNN_DATA_FLOAT,
                    g.b(), g.cout(), g.ho(), g.wo());
            cudnnSetFilter4dDescriptor(p.w, cudnnDataType.CUDNN_DATA_FLOAT, cudnnTensorFormat.CUDNN_TENSOR_NCHW,
                    g.cout(), g.cin(), g.k(), g.k());
            cudnnSetConvolution2dDescriptor(p.conv, g.pad(), g.pad(), 1, 1, 1, 1,
                    cudnnConvolutionMode.CUDNN_CROSS_CORRELATION, cudnnDataType.CUDNN_DATA_FLOAT);
            cudnnSetConvolutionMathType(p.conv, math == GemmMath.TF32 ? cudnnMathType.CUDNN_DEFAULT_MATH
                    : cudnnMathType.CUDNN_FMA_MATH);
            choose(p, g);
            if (workspace == null || workspace.bytes() < p.workspaceBytes) {
                if (workspace != null) {
                    allocator.free(workspace);
                }
                workspace = allocator.allocate(Math.max(p.workspaceBytes, 256));
            }
            return p;
        });
    }

    private static boolean usable(int status, int determinism, long memory) {
        return status == cudnnStatus.CUDNN_STATUS_SUCCESS && determinism == cudnnDeterminism.CUDNN_DETERMINISTIC
                && memory <= MAX_WORKSPACE;
    }

    private void choose(Plan p, ConvGeometry g) {
        int[] count = {0};
        cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[CANDIDATES];
        for (int i = 0; i < CANDIDATES; i++) {
            fwd[i] = new cudnnConvolutionFwdAlgoPerf();
        }
        cudnnGetConvolutionForwardAlgorithm_v7(handle, p.x, p.w, p.conv, p.y, CANDIDATES, count, fwd);
        p.fwdAlgo = -1;
        for (int i = 0; i < count[0] && p.fwdAlgo < 0; i++) {
            if (usable(fwd[i].status, fwd[i].determinism, fwd[i].memory)) {
                p.fwdAlgo = fwd[i].algo;
                p.workspaceBytes = Math.max(p.workspaceBytes, fwd[i].memory);
            }
        }
        cudnnConvolutionBwdDataAlgoPerf[] bd = new cudnnConvolutionBwdDataAlgoPerf[CANDIDATES];
        for (int i = 0; i < CANDIDATES; i++) {
            bd[i] = new cudnnConvolutionBwdDataAlgoPerf();
        }
        cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, p.w, p.y, p.conv, p.x, CANDIDATES, count, bd);
        p.bwdDataAlgo = -1;
        for (int i = 0; i < count[0] && p.bwdDataAlgo < 0; i++) {
            if (usable(bd[i].status, bd[i].determinism, bd[i].memory)) {
                p.bwdDataAlgo = bd[i].algo;
                p.workspaceBytes = Math.max(p.workspaceBytes, bd[i].memory);
            }
        }
        cudnnConvolutionBwdFilterAlgoPerf[] bf = new cudnnConvolutionBwdFilterAlgoPerf[CANDIDATES];
        for (int i = 0; i < CANDIDATES; i++) {
            bf[i] = new cudnnConvolutionBwdFilterAlgoPerf();
        }
        cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, p.x, p.y, p.conv, p.w, CANDIDATES, count, bf);
        p.bwdFilterAlgo = -1;
        for (int i = 0; i < count[0] && p.bwdFilterAlgo < 0; i++) {
            if (usable(bf[i].status, bf[i].determinism, bf[i].memory)) {
                p.bwdFilterAlgo = bf[i].algo;
                p.workspaceBytes = Math.max(p.workspaceBytes, bf[i].memory);
            }
        }
        if (p.fwdAlgo < 0 || p.bwdDataAlgo < 0 || p.bwdFilterAlgo < 0) {
            throw new IllegalStateException("cuDNN offers no deterministic algorithm within " + MAX_WORKSPACE
                    + " bytes of workspace for " + g + " (forward " + p.fwdAlgo + ", backward data " + p.bwdDataAlgo
                    + ", backward filter " + p.bwdFilterAlgo + ")");
        }
    }

    private static final Pointer ONE = Pointer.to(new float[] {1f});
    private static final Pointer ZERO = Pointer.to(new float[] {0f});

    @Override
    public void forward(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, ConvGeometry g, GemmMath math) {
        Plan p = plan(g, math);
        cudnnConvolutionForward(handle, ONE, p.x, x, p.w, w, p.conv, p.fwdAlgo, workspace.ptr(), workspace.bytes(),
                ZERO, p.y, y);
        DeviceCounters.libraryCall();
    }

    @Override
    public void backwardData(CUdeviceptr dy, CUdeviceptr w, CUdeviceptr dx, ConvGeometry g, GemmMath math) {
        Plan p = plan(g, math);
        cudnnConvolutionBackwardData(handle, ONE, p.w, w, p.y, dy, p.conv, p.bwdDataAlgo, workspace.ptr(),
                workspace.bytes(), ZERO, p.x, dx);
        DeviceCounters.libraryCall();
    }

    @Override
    public void backwardFilter(CUdeviceptr x, CUdeviceptr dy, CUdeviceptr dw, ConvGeometry g, GemmMath math) {
        Plan p = plan(g, math);
        cudnnConvolutionBackwardFilter(handle, ONE, p.x, x, p.y, dy, p.conv, p.bwdFilterAlgo, workspace.ptr(),
                workspace.bytes(), ZERO, p.w, dw);
        DeviceCounters.libraryCall();
    }

    @Override
    public void close() {
        for (Plan p : plans.values()) {
            cudnnDestroyTensorDescriptor(p.x);
            cudnnDestroyTensorDescriptor(p.y);
            cudnnDestroyFilterDescriptor(p.w);
            cudnnDestroyConvolutionDescriptor(p.conv);
        }
        plans.clear();
        if (workspace != null) {
            allocator.free(workspace);
            workspace = null;
        }
        cudnnDestroy(handle);
    }
}
