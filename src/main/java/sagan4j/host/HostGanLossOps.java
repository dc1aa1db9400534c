package sagan4j.host;

import static sagan4j.host.HostStorage.floats;
import static sagan4j.host.HostStorage.ints;

import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossOps;
import sagan4j.backend.Tensor;

/** The GAN losses of a host backend: {@link HostGanLoss}'s double loops (a few hundred rows: one thread). */
public final class HostGanLossOps extends GanLossOps {
    public HostGanLossOps(Backend backend, String impl) {
        super(backend, List.of(impl));
    }

    @Override
    protected void doLoss(Loss loss, boolean generator, Tensor logits, int realRows, int batch, Tensor grad, Tensor sums,
                          boolean accumulate) {
        HostGanLoss.apply(loss, generator, floats(logits), realRows, batch, floats(grad), floats(sums), accumulate);
    }

    @Override
    protected void doClassifier(Tensor logits, Tensor labels, int scored, float weight, int batch, Tensor grad, Tensor sum,
                                boolean accumulate) {
        HostGanLoss.classifier(floats(logits), ints(labels), logits.dim(1), scored, weight, batch, floats(grad), floats(sum), accumulate);
    }
}
