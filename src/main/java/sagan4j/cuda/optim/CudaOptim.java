package sagan4j.cuda.optim;

import java.util.List;

import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.CudaDevice;
import sagan4j.cuda.runtime.KernelArgs;

/**
 * The optimiser updates on CUDA, queued on the backend's stream: one launch of kernels/optim.cu per
 * single-tensor call, and one per group update (a multi-tensor apply over the group's {@link MultiTensorTable}).
 */
public final class CudaOptim extends OptimOps {
    private final CudaDevice cuda;

    public CudaOptim(CudaDevice cuda) {
        super(cuda.backend(), List.of("elementwise"));
        this.cuda = cuda;
    }

    @Override
    protected void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, AdamArgs s, float bc1, float bc2) {
        cuda.kernels().launch1d("adam_f32", param.size(), cuda.stream(), KernelArgs.of()
                .ptr(cuda.pointer(param)).ptr(cuda.pointer(grad)).ptr(cuda.pointer(m)).ptr(cuda.pointer(v))
                .f32(s.lr()).f32(s.beta1()).f32(s.beta2()).f32(s.eps()).f32(bc1).f32(bc2).i64(param.size()));
    }

    @Override
    protected void doEma(Tensor x, Tensor ema, float decay) {
        cuda.kernels().launch1d("ema_f32", x.size(), cuda.stream(), KernelArgs.of()
                .ptr(cuda.pointer(x)).ptr(cuda.pointer(ema)).f32(decay).i64(x.size()));
    }

    /** An Adam group: its table, chunk list and per-chunk step counters on the device. */
    private final class CudaAdamGroup extends AdamGroup {
        final MultiTensorTable table;

        CudaAdamGroup(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v) {
            super(CudaOptim.this, params, grads, m, v);
            table = new MultiTensorTable(cuda, params, MultiTensorTable.ADAM_ENTRY_BYTES, true, "adam_write_entry",
                    (a, i) -> a.ptr(cuda.pointer(params.get(i))).ptr(cuda.pointer(grads.get(i)))
                            .ptr(cuda.pointer(m.get(i))).ptr(cuda.pointer(v.get(i))).i64(params.get(i).size()));
        }

        @Override
        protected void stepChanged(long t) {
            table.setSteps(t);
        }

        @Override
        protected void release() {
            table.close();
        }
    }

    /** An EMA group: its table and chunk list on the device. */
    private final class CudaEmaGroup extends EmaGroup {
        final MultiTensorTable table;

        CudaEmaGroup(List<Tensor> sources, List<Tensor> averages, boolean[] copied) {
            super(CudaOptim.this, sources, averages, copied);
            table = new MultiTensorTable(cuda, sources, MultiTensorTable.EMA_ENTRY_BYTES, false, "ema_write_entry",
                    (a, i) -> a.ptr(cuda.pointer(sources.get(i))).ptr(cuda.pointer(averages.get(i)))
                            .i64(sources.get(i).size()).i32(copied[i] ? 1 : 0));
        }

        @Override
        protected void release() {
            table.close();
        }
    }

    /** A zeroing group: its table and chunk list on the device. */
    private final class CudaZeroGroup extends ZeroGroup {
        final MultiTensorTable table;

        CudaZeroGroup(List<Tensor> tensors) {
            super(CudaOptim.this, tensors);
            table = new MultiTensorTable(cuda, tensors, MultiTensorTable.ZERO_ENTRY_BYTES, false, "zero_write_entry",
                    (a, i) -> a.ptr(cuda.pointer(tensors.get(i))).i64(tensors.get(i).size()));
        }

        @Override
        protected void release() {
            table.close();
        }
    }

    @Override
    protected ZeroGroup doZeroGroup(List<Tensor> tensors) {
        return new CudaZeroGroup(tensors);
    }

    @Override
    protected void doZero(ZeroGroup group) {
        MultiTensorTable table = ((CudaZeroGroup) group).table;
        cuda.kernels().launch("zero_multi_f32", table.grid(), 1, 1, MultiTensorTable.BLOCK, 1, 1, 0, cuda.stream(),
                KernelArgs.of().ptr(table.entries()).ptr(table.chunks()).i32(table.chunkCount()));
    }

    @Override
    protected AdamGroup doAdamGroup(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v) {
        return new CudaAdamGroup(params, grads, m, v);
    }

    @Override
    protected void doAdam(AdamGroup group, AdamArgs s, long t) {
        // t is the host's count; the kernel forms the corrections from its own device copy, which follows it
        MultiTensorTable table = ((CudaAdamGroup) group).table;
        cuda.kernels().launch("adam_multi_f32", table.grid(), 1, 1, MultiTensorTable.BLOCK, 1, 1, 0, cuda.stream(),
                KernelArgs.of().ptr(table.entries()).ptr(table.chunks()).ptr(table.steps()).i32(table.chunkCount())
                        .f32(s.lr()).f32(s.beta1()).f32(s.beta2()).f32(s.eps()));
    }

    @Override
    protected EmaGroup doEmaGroup(List<Tensor> sources, List<Tensor> averages, boolean[] copied) {
        return new CudaEmaGroup(sources, averages, copied);
    }

    @Override
    protected void doEma(EmaGroup group, float decay, boolean copyAll) {
        MultiTensorTable table = ((CudaEmaGroup) group).table;
        cuda.kernels().launch("ema_multi_f32", table.grid(), 1, 1, MultiTensorTable.BLOCK, 1, 1, 0, cuda.stream(),
                KernelArgs.of().ptr(table.entries()).ptr(table.chunks()).i32(table.chunkCount()).f32(decay)
                        .i32(copyAll ? 1 : 0));
    }
}
