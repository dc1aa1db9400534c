package sagan4j.examples;

import static sagan4j.backend.GanLossOps.LOSS_FAKE;
import static sagan4j.backend.GanLossOps.LOSS_REAL;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossOps;
import sagan4j.backend.GanLossOps.Loss;
import sagan4j.backend.Tensor;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.optim.Adam;
import sagan4j.optim.AdamOptions;
import sagan4j.optim.LrSchedule;
import sagan4j.optim.Optimizer;

/**
 * The README's "Embedding the training step" example: a training step of one's own over sagan4j's public API —
 * a G and a D on any backend, an {@link Adam} per network, one D step then one G step with the hinge loss (the
 * constructor's body and {@link #step}'s are the README's code block, checked by ReadmeExamplesTest).
 * {@code CustomGanStepTest} runs it on the reference backend.
 */
public final class CustomGanStep implements AutoCloseable {
    final Backend be;
    final Generator g;
    final Discriminator d;
    final Optimizer optG;
    final Optimizer optD;
    private final Tensor dLogits; // (batch, 1): dL/dlogits, written by the loss
    private final Tensor sums;    // (4,): the losses and mean logits (GanLossOps)

    public CustomGanStep(Backend be, GanConfig model, int batch) {
        this.be = be;
        g = new Generator(be, model);
        d = new Discriminator(be, model);
        optG = new Adam(g.weights(), AdamOptions.ttur(1e-4f));  // β1 0, β2 0.9: SAGAN's two time scales
        optD = new Adam(d.weights(), AdamOptions.ttur(4e-4f));
        optG.schedule(LrSchedule.linearDecay(1000, 5000));      // G's rate falls to 0 from step 1000 to 5000
        dLogits = be.zeros(batch, 1);
        sums = be.zeros(GanLossOps.SUMS);
    }

    /**
     * One D step then one G step on {@code real} (B, C, H, W) with {@code labels} (B) int32 and latents {@code z}
     * (B, zDim); returns D's loss on the real images, on the fakes, and G's loss.
     */
    public float[] step(Tensor real, Tensor labels, Tensor z) {
        int b = labels.dim(0);
        // D step: real images pushed up, G's fakes pushed down, gradients accumulated, one Adam update of D
        optD.zeroGrad();
        be.ganLoss().discriminator(Loss.HINGE, d.forward(real, labels), b, b, dLogits, sums, false);
        d.backward(dLogits);
        be.ganLoss().discriminator(Loss.HINGE, d.forward(g.forward(z, labels), labels), 0, b, dLogits, sums, true);
        d.backward(dLogits);
        optD.step();
        float[] dLoss = be.toHostFloats(sums);
        // G step: D frozen (its backward gives only dL/dimages), one Adam update of G
        optG.zeroGrad();
        d.requiresGrad(false);
        be.ganLoss().generator(Loss.HINGE, d.forward(g.forward(z, labels), labels), b, dLogits, sums, false);
        g.backward(d.backward(dLogits));
        d.requiresGrad(true);
        optG.step();
        return new float[] {dLoss[LOSS_REAL], dLoss[LOSS_FAKE], be.toHostFloats(sums)[LOSS_FAKE]};
    }

    @Override
    public void close() {
        optG.close();
        optD.close();
        g.close();
        d.close();
        dLogits.close();
        sums.close();
    }
}
