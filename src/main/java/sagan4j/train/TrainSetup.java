package sagan4j.train;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossOps;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.optim.Adam;
import sagan4j.optim.Optimizer;

/**
 * What a run's settings make a {@link TrainStep} of: G and D from the model config (D with the auxiliary
 * classifier head when {@code --aux-weight} is above 0), an {@link Adam} per network
 * over all its trainable parameters ({@code --lr-g} / {@code --lr-d}, β1, β2, eps), and the loss. The step it
 * returns owns them (closing it closes them).
 */
public final class TrainSetup {
    private TrainSetup() {
    }

    public static TrainStep fromConfig(Backend be, TrainConfig cfg, GanConfig model) {
        cfg.validate();
        Generator g = new Generator(be, model);
        Discriminator d = null;
        Optimizer optG = null, optD = null;
        try {
            d = new Discriminator(be, model, cfg.auxWeight() > 0);
            optG = new Adam(g.weights(), cfg.adamG());
            optD = new Adam(d.weights(), cfg.adamD());
            return new TrainStep(be, cfg, g, d, optG, optD, GanLossOps.Loss.valueOf(cfg.loss.name())).owning(optG, optD, g, d);
        } catch (RuntimeException e) {
            for (AutoCloseable part : new AutoCloseable[] {optD, optG, d, g}) {
                if (part != null) {
                    try {
                        part.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        }
    }
}
