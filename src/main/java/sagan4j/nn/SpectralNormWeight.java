package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;

/**
 * A weight under spectral normalisation (Miyato et al. 2018), viewed as (out, rest). Buffers
 * {@code <name>_u} (out) and {@code <name>_v} (rest), as PyTorch names them; σ and W/σ are scratch.
 *
 * <ul>
 *   <li>Reparameterised (the default, as PyTorch and BigGAN): in training each forward runs
 *       {@link #iterations} power iterations from the persistent u (updating u and v) and returns W/σ;
 *       in eval it uses the stored u and v. The backward treats u and v as constants.</li>
 *   <li>The seed's variant ({@link #freshU}): u drawn anew from N(0, 1) before every forward, 5 iterations.</li>
 *   <li>Constraint mode ({@link #constraint}, the seed's Keras {@code kernel_constraint}): the forward uses W
 *       itself; after each optimiser step {@link #constrain()} sets W ← W/σ.</li>
 * </ul>
 */
public final class SpectralNormWeight extends Weight {
    private final Module owner;
    private final Parameter u;
    private final Parameter v;
    private final SplittableRandom rng;
    private int iterations = 1;
    private boolean freshU;
    private boolean constraint;
    private float eps = SpectralNormOps.DEFAULT_EPS;
    private Tensor current;
    /** Set by {@link SpectralNormPass}: W/σ of this pass is already in the scratch, forward just returns it. */
    private boolean prepared;

    SpectralNormWeight(Module owner, Parameter param, SplittableRandom rng) {
        super(param);
        this.owner = owner;
        Tensor w = param.value();
        // the name below the owner (theta.weight in SelfAttention, weight in a Conv2d): buffers theta.weight_u, not
        // one weight_u shared by name among the owner's four spectral-norm weights
        String local = owner.path().isEmpty() ? param.name() : param.name().substring(owner.path().length() + 1);
        this.u = owner.buffer(local + "_u", Parameter.Role.SPECTRAL_U, SpectralNormOps.rows(w));
        this.v = owner.buffer(local + "_v", Parameter.Role.SPECTRAL_V, SpectralNormOps.cols(w));
        this.rng = rng.split();
        owner.be.upload(unit(SpectralNormOps.normalVector(this.rng, SpectralNormOps.rows(w))), u.value());
        owner.be.upload(unit(SpectralNormOps.normalVector(this.rng, SpectralNormOps.cols(w))), v.value());
        this.current = w;
        owner.registerSpectralNorm(this);
    }

    private static float[] unit(float[] x) {
        double n = 0;
        for (float f : x) {
            n += (double) f * f;
        }
        double s = 1 / Math.max(Math.sqrt(n), 1e-12);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] * s);
        }
        return x;
    }

    /** Power iterations per training forward (1 with a persistent u by default). */
    public SpectralNormWeight iterations(int n) {
        owner.require(n >= 1, "spectral norm needs at least 1 power iteration, got " + n);
        this.iterations = n;
        return this;
    }

    /** The seed's variant: a fresh N(0, 1) u before every training forward (use with 5 iterations). */
    public SpectralNormWeight freshU(boolean on) {
        this.freshU = on;
        return this;
    }

    /** Constraint mode: forward uses W, {@link #constrain()} renormalises W after each optimiser step. */
    public SpectralNormWeight constraint(boolean on) {
        this.constraint = on;
        return this;
    }

    public Parameter u() {
        return u;
    }

    public Parameter v() {
        return v;
    }

    /** σ from the last forward (or constrain), shape [1]. */
    public Tensor sigma() {
        return owner.scratch(param.name() + ".sigma", 1);
    }

    private SpectralNormOps sn() {
        return owner.be.spectralNorm();
    }

    // ---------------------------------------------------------------- for SpectralNormPass

    /** Whether this weight is normalised in the forward (reparameterised), i.e. can join a pass's group. */
    boolean reparameterised() {
        return !constraint;
    }

    /** Power iterations of the coming forward: 0 in eval (σ from the stored u, v). */
    int passIterations() {
        return owner.training() ? iterations : 0;
    }

    float eps() {
        return eps;
    }

    /** This weight as a spectral-norm group entry (w, u, v, σ, W/σ), after the seed variant's fresh u where it applies. */
    SpectralNormOps.Weight groupEntry() {
        Tensor w = param.value();
        if (owner.training() && freshU) {
            owner.be.upload(SpectralNormOps.normalVector(rng, SpectralNormOps.rows(w)), u.value());
        }
        return new SpectralNormOps.Weight(w, u.value(), v.value(), sigma(), owner.scratch(param.name() + ".sn", w.shape().dims()));
    }

    /** The pass normalised this weight: the next forward returns that W/σ without running anything. */
    void markPrepared() {
        prepared = true;
    }

    @Override
    public Tensor forward() {
        if (constraint) {
            current = param.value();
            return current;
        }
        Tensor w = param.value();
        Tensor wSn = owner.scratch(param.name() + ".sn", w.shape().dims());
        if (prepared) {
            prepared = false;
        } else if (owner.training()) {
            if (freshU) {
                owner.be.upload(SpectralNormOps.normalVector(rng, SpectralNormOps.rows(w)), u.value());
            }
            sn().forward(w, u.value(), v.value(), sigma(), wSn, iterations, eps);
        } else {
            sn().forward(w, u.value(), v.value(), sigma(), wSn, 0, eps);
        }
        current = wSn;
        return wSn;
    }

    @Override
    public Tensor current() {
        return current;
    }

    @Override
    public void backward(Tensor g) {
        if (constraint) {
            super.backward(g);
            return;
        }
        // dW added straight into the gradient (one launch on CUDA, not a backward into scratch and an axpy)
        sn().backwardAccumulate(param.value(), u.value(), v.value(), sigma(), g, param.grad());
    }

    /** Constraint mode's step after an optimiser update: power iteration(s), then W ← W/σ in place. */
    public void constrain() {
        Tensor w = param.value();
        if (freshU) {
            owner.be.upload(SpectralNormOps.normalVector(rng, SpectralNormOps.rows(w)), u.value());
        }
        sn().forward(w, u.value(), v.value(), sigma(), null, iterations, eps);
        sn().constrain(w, sigma());
    }
}
