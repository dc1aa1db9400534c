package sagan4j.bench;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;

/**
 * One GAN training step on a backend, split as it is timed: the D step (G forward for the fakes, D forward
 * and backward on real and on fake images with the hinge loss's gradients) and the G step (G forward, D
 * forward, D backward to the images, G backward). The optimiser update is a hook ({@link #setUpdates}),
 * empty until an optimiser family exists, so that what is timed is said exactly. Real images and z are
 * fresh uniform/normal values each step; labels cycle through the classes.
 *
 * <p>Hinge loss (SAGAN, BigGAN): L_D = mean(relu(1 − D(x))) + mean(relu(1 + D(G(z)))), L_G = −mean(D(G(z))).
 * Its gradients with respect to D's B logits are formed on the host (B values).
 */
public final class TrainStep implements AutoCloseable {
    private final Backend be;
    private final int batch;
    private final Generator g;
    private final Discriminator d;
    private final Tensor real;
    private final Tensor z;
    private final Tensor labels;
    private final Tensor dLogits;
    private final SplittableRandom rng = new SplittableRandom(42);
    private Runnable updateD = () -> { };
    private Runnable updateG = () -> { };

    public TrainStep(Backend be, GanConfig cfg, int batch) {
        this.be = be;
        this.batch = batch;
        this.g = new Generator(be, cfg);
        this.d = new Discriminator(be, cfg);
        int r = cfg.resolution();
        this.real = be.zeros(batch, cfg.imageChannels(), r, r);
        this.z = be.zeros(batch, cfg.zDim());
        int[] l = new int[batch];
        for (int i = 0; i < batch; i++) {
            l[i] = i % cfg.classes();
        }
        this.labels = be.fromHost(l, batch);
        this.dLogits = be.zeros(batch, 1);
    }

    /** The optimiser updates run at the end of the D step and of the G step (default: none). */
    public void setUpdates(Runnable afterD, Runnable afterG) {
        this.updateD = afterD;
        this.updateG = afterG;
    }

    public Generator generator() {
        return g;
    }

    public Discriminator discriminator() {
        return d;
    }

    private void freshInputs() {
        float[] x = new float[(int) real.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        be.upload(x, real);
        float[] zs = new float[(int) z.size()];
        for (int i = 0; i < zs.length; i++) {
            zs[i] = (float) gaussian();
        }
        be.upload(zs, z);
    }

    private double gaussian() {
        double u = 1 - rng.nextDouble(), v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** d mean(relu(1 − sign·D)) / dD per logit: −sign/B where 1 − sign·D &gt; 0, else 0. */
    private Tensor hingeGrad(Tensor logits, float sign) {
        float[] out = be.toHostFloats(logits), grad = new float[batch];
        for (int i = 0; i < batch; i++) {
            grad[i] = 1f - sign * out[i] > 0f ? -sign / batch : 0f;
        }
        be.upload(grad, dLogits);
        return dLogits;
    }

    /** The D step; returns its wall time in milliseconds (complete work: the backend is synchronised). */
    public double dStep() {
        freshInputs();
        long t0 = System.nanoTime();
        Tensor fake = g.forward(z, labels);
        d.zeroGrad();
        d.backward(hingeGrad(d.forward(real, labels), 1f));
        d.backward(hingeGrad(d.forward(fake, labels), -1f));
        updateD.run();
        be.synchronize();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The G step; returns its wall time in milliseconds. */
    public double gStep() {
        freshInputs();
        long t0 = System.nanoTime();
        g.zeroGrad();
        Tensor out = d.forward(g.forward(z, labels), labels);
        float[] grad = new float[batch];
        java.util.Arrays.fill(grad, -1f / batch);
        be.toHostFloats(out);   // the logits reach the host as a loss value would
        be.upload(grad, dLogits);
        g.backward(d.backward(dLogits));
        updateG.run();
        be.synchronize();
        return (System.nanoTime() - t0) / 1e6;
    }

    @Override
    public void close() {
        g.close();
        d.close();
        real.close();
        z.close();
        labels.close();
        dLogits.close();
    }
}
