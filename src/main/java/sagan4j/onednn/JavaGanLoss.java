package sagan4j.onednn;

import static sagan4j.onednn.OneDnnBackend.f;

import java.util.List;

import sagan4j.backend.GanLossOps;
import sagan4j.backend.HostGanLoss;
import sagan4j.backend.Tensor;

/** The GAN losses on the oneDNN backend: {@link HostGanLoss}'s loop (the reference's arithmetic). */
final class JavaGanLoss extends GanLossOps {
    JavaGanLoss(OneDnnBackend backend) {
        super(backend, List.of("java"));
    }

    @Override
    protected void doLoss(Loss loss, boolean generator, Tensor logits, int realRows, int batch, Tensor grad, Tensor sums,
                          boolean accumulate) {
        HostGanLoss.apply(loss, generator, f(logits), realRows, batch, f(grad), f(sums), accumulate);
    }
}
