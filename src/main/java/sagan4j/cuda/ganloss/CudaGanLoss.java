package sagan4j.cuda.ganloss;

import java.util.List;

import sagan4j.backend.GanLossOps;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.CudaDevice;
import sagan4j.cuda.runtime.KernelArgs;

/** The GAN losses on CUDA: one launch of kernels/gan_loss.cu (one block of {@link #BLOCK}) per call, on the backend's stream;
 * the auxiliary classifier's term is its {@code aux_ce_f32}. */
public final class CudaGanLoss extends GanLossOps {
    /** GAN_LOSS_BLOCK in kernels/gan_loss.cu: the kernel's reduction assumes exactly this many threads. */
    public static final int BLOCK = 256;
    private final CudaDevice cuda;

    public CudaGanLoss(CudaDevice cuda) {
        super(cuda.backend(), List.of("one-block"));
        this.cuda = cuda;
    }

    @Override
    protected void doLoss(Loss loss, boolean generator, Tensor logits, int realRows, int batch, Tensor grad, Tensor sums,
                          boolean accumulate) {
        cuda.kernels().launch("gan_loss_f32", 1, 1, 1, BLOCK, 1, 1, 0, cuda.stream(), KernelArgs.of()
                .ptr(cuda.pointer(logits)).ptr(cuda.pointer(grad)).ptr(cuda.pointer(sums))
                .i32(loss == Loss.HINGE ? 0 : 1).i32(generator ? 1 : 0).i64(realRows).i64(logits.size()).i32(batch).i32(accumulate ? 1 : 0));
    }

    @Override
    protected void doClassifier(Tensor logits, Tensor labels, int scored, float weight, int batch, Tensor grad, Tensor sum,
                                boolean accumulate) {
        cuda.kernels().launch("aux_ce_f32", 1, 1, 1, BLOCK, 1, 1, 0, cuda.stream(), KernelArgs.of()
                .ptr(cuda.pointer(logits)).ptr(cuda.pointer(labels)).ptr(cuda.pointer(grad)).ptr(cuda.pointer(sum))
                .i64(logits.dim(0)).i64(scored).i32(logits.dim(1)).f32(weight).i32(batch).i32(accumulate ? 1 : 0));
    }
}
