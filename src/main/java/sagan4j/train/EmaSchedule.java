package sagan4j.train;

/**
 * EMA-G's decay β for G update number {@code gStep} (1-based): the {@code --ema-rule} of a run, as a pure
 * function of the step, so a resumed run (whose G step count comes back from the checkpoint) continues the
 * rule exactly. β = 0 means EMA-G becomes a copy of G.
 *
 * <ul>
 *   <li>{@link TrainConfig.EmaRule#HALFLIFE} (StyleGAN2-ADA's training_loop.py): with n = (gStep − 1)·batch,
 *       the images G had been trained on before this update, the half-life in images is
 *       h = min(kimg·1000, n·rampup) (just kimg·1000 with rampup 0) and β = 0.5^(batch / h), so EMA-G's
 *       weight on G's value of h/batch updates ago is one half. At the first update n = 0, so h = 0 and
 *       β = 0: EMA-G starts from G's first trained weights, not from the initialisation.</li>
 *   <li>{@link TrainConfig.EmaRule#FIXED} (BigGAN's): β = decay, but a copy of G (β = 0) up to and at step
 *       {@code start}.</li>
 * </ul>
 */
record EmaSchedule(TrainConfig.EmaRule rule, int batch, double kimg, double rampup, float decay, long start) {
    static EmaSchedule of(TrainConfig cfg) {
        return new EmaSchedule(cfg.emaRule, cfg.batch, cfg.emaKimg, cfg.emaRampup, cfg.emaDecay, cfg.emaStart);
    }

    /** The half-life in images at G update {@code gStep}, halflife rule. */
    double halfLifeImages(long gStep) {
        double cap = kimg * 1000;
        return rampup > 0 ? Math.min(cap, (double) (gStep - 1) * batch * rampup) : cap;
    }

    /** β at G update {@code gStep}, in double precision (what {@link #beta} rounds to float). */
    double betaExact(long gStep) {
        if (rule == TrainConfig.EmaRule.FIXED) {
            return gStep <= start ? 0 : decay;
        }
        double h = halfLifeImages(gStep);
        return h <= 0 ? 0 : Math.pow(0.5, batch / h);
    }

    /** β as the EMA kernels take it. */
    float beta(long gStep) {
        return rule == TrainConfig.EmaRule.FIXED ? (gStep <= start ? 0f : decay) : (float) betaExact(gStep);
    }
}
