package sagan4j.cpu;

import java.util.List;

import sagan4j.backend.GanLossOps;
import sagan4j.backend.HostGanLoss;
import sagan4j.backend.Tensor;

/** The GAN losses on the CPU reference: {@link HostGanLoss}'s double loop (a few hundred logits: one thread). */
final class CpuGanLoss extends GanLossOps {
    CpuGanLoss(CpuBackend backend) {
        super(backend, List.of("reference"));
    }

    @Override
    protected void doLoss(Loss loss, boolean generator, Tensor logits, int realRows, int batch, Tensor grad, Tensor sums,
                          boolean accumulate) {
        HostGanLoss.apply(loss, generator, CpuBackend.f(logits), realRows, batch, CpuBackend.f(grad), CpuBackend.f(sums), accumulate);
    }
}
