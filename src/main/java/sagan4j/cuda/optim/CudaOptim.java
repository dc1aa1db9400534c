package sagan4j.cuda.optim;

import java.util.List;

import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.KernelArgs;

/** The optimiser updates on CUDA: one launch of kernels/optim.cu per call, queued on the backend's stream. */
public final class CudaOptim extends OptimOps {
    private final CudaBackend cuda;

    public CudaOptim(CudaBackend cuda) {
        super(cuda, List.of("elementwise"));
        this.cuda = cuda;
    }

    @Override
    protected void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, Adam s, float bc1, float bc2) {
        cuda.kernels().launch1d("adam_f32", param.size(), cuda.stream(), KernelArgs.of()
                .ptr(cuda.pointer(param)).ptr(cuda.pointer(grad)).ptr(cuda.pointer(m)).ptr(cuda.pointer(v))
                .f32(s.lr()).f32(s.beta1()).f32(s.beta2()).f32(s.eps()).f32(bc1).f32(bc2).i64(param.size()));
    }

    @Override
    protected void doEma(Tensor x, Tensor ema, float decay) {
        cuda.kernels().launch1d("ema_f32", x.size(), cuda.stream(), KernelArgs.of()
                .ptr(cuda.pointer(x)).ptr(cuda.pointer(ema)).f32(decay).i64(x.size()));
    }
}
