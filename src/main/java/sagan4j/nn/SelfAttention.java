package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;

/**
 * SAGAN's self-attention block on x (B, C, H, W), N = H·W, M = N/4, d = C/8, c = C/2:
 * <pre>
 *   θ = 1×1 conv C → d                 q (B, N, d)
 *   φ = 2×2 max-pool(1×1 conv C → d)   k (B, M, d)
 *   g = 2×2 max-pool(1×1 conv C → c)   v (B, M, c)
 *   a = softmax_M(q kᵀ · scale) v       (B, N, c)   — the attention kernel of backend.attention()
 *   y = x + σ · (1×1 conv c → C)(a)     σ a learnable scalar, starting at 0
 * </pre>
 * The 1×1 convolutions run as GEMMs on xᵀ (B·N, C), so q needs no transpose; k and v are transposed after
 * pooling. Weights are named theta, phi, g, o (each {@code .weight}, optionally spectrally normalised and
 * with a bias), plus {@code sigma}.
 */
public final class SelfAttention extends Layer {
    private final int ch;
    private final int d;
    private final int c;
    private final float scale;
    private final Weight theta;
    private final Weight phi;
    private final Weight g;
    private final Weight o;
    private final Parameter[] biases;
    private final Parameter sigma;
    private final Resampling poolPhi;
    private final Resampling poolG;
    private Tensor x;

    public SelfAttention(Backend be, String path, int channels, boolean sn, boolean bias, SplittableRandom rng) {
        super(be, path);
        require(channels % 8 == 0, "self-attention needs channels divisible by 8, got " + channels);
        this.ch = channels;
        this.d = channels / 8;
        this.c = channels / 2;
        this.scale = 1f;
        this.theta = conv1x1("theta", d, channels, sn, rng);
        this.phi = conv1x1("phi", d, channels, sn, rng);
        this.g = conv1x1("g", c, channels, sn, rng);
        this.o = conv1x1("o", channels, c, sn, rng);
        this.biases = new Parameter[4];
        if (bias) {
            String[] names = {"theta", "phi", "g", "o"};
            int[] outs = {d, d, c, channels};
            int[] ins = {channels, channels, channels, c};
            for (int i = 0; i < 4; i++) {
                biases[i] = weight(names[i] + ".bias", Parameter.Role.BIAS, outs[i]);
                Init.fanIn(be, biases[i].value(), ins[i], rng);
            }
        }
        this.sigma = weight("sigma", Parameter.Role.SCALE, 1);
        be.fill(sigma.value(), 0f);
        this.poolPhi = add(new Resampling(be, child("pool_phi"), LayerOps.Resample.MAX_POOL));
        this.poolG = add(new Resampling(be, child("pool_g"), LayerOps.Resample.MAX_POOL));
    }

    private Weight conv1x1(String name, int out, int in, boolean sn, SplittableRandom rng) {
        Parameter w = weight(name + ".weight", Parameter.Role.WEIGHT, out, in, 1, 1);
        Init.fanIn(be, w.value(), in, rng);
        return sn ? new SpectralNormWeight(this, w, rng) : new Weight(w);
    }

    public Parameter sigma() {
        return sigma;
    }

    public Weight[] weightsThetaPhiGO() {
        return new Weight[] {theta, phi, g, o};
    }

    /** The biases of θ, φ, g and o in that order; every entry null when built without biases. */
    public Parameter[] biasesThetaPhiGO() {
        return biases.clone();
    }

    /** The max-pool decisions of the last forward (for gradient checks that must not cross a kink). */
    int[][] poolDecisions() {
        return new int[][] {be.toHostInts(poolPhi.argmax()), be.toHostInts(poolG.argmax())};
    }

    /** A (out, in) view of a 1×1 conv weight (out, in, 1, 1). */
    private static Tensor matrix(Tensor w) {
        return w.reshape(w.dim(0), w.dim(1));
    }

    @Override
    public Tensor forward(Tensor x) {
        require(x.rank() == 4 && x.dim(1) == ch, "expected (B, " + ch + ", H, W), got " + x.shape());
        require(x.dim(2) % 2 == 0 && x.dim(3) % 2 == 0, "2×2 max pooling needs even H and W, got " + x.shape());
        this.x = x;
        int b = x.dim(0), h = x.dim(2), w = x.dim(3), n = h * w, m = n / 4;
        Tensor xT = scratch("xT", b, n, ch);
        be.layers().transpose(x.reshape(b, ch, n), xT);
        Tensor xFlat = xT.reshape(b * n, ch);
        // q = xᵀ θᵀ (+ bθ)
        Tensor q = scratch("q", b, n, d);
        be.gemm(false, true, 1f, xFlat, matrix(theta.forward()), 0f, q.reshape(b * n, d));
        addBias(q.reshape(b * n, d), 0);
        Tensor k = pooledBranch("phi", phi, 1, poolPhi, b, h, w, d);
        Tensor v = pooledBranch("g", g, 2, poolG, b, h, w, c);
        Tensor a = scratch("a", b, n, c);
        be.attention().forward(q, k, v, scale, a, scratch("lse", b, n));
        // o = W_o aᵀ (B, C, N), then y = x + σ·o
        Tensor oc = scratch("o", b, ch, n);
        be.gemm(false, true, 1f, matrix(o.forward()), a, 0f, oc);
        if (biases[3] != null) {
            be.layers().addChannelBias(oc, biases[3].value());
        }
        Tensor y = scratch("y", x.shape().dims());
        be.copy(x, y);
        be.layers().axpyScalar(sigma.value(), oc.reshape(x.shape().dims()), y);
        return y;
    }

    private void addBias(Tensor rows, int i) {
        if (biases[i] != null) {
            be.layers().addChannelBias(rows, biases[i].value());
        }
    }

    /** (B, N, out) = xᵀWᵀ → (B, out, H, W) → 2×2 max pool → (B, M, out). */
    private Tensor pooledBranch(String name, Weight wt, int biasIndex, Resampling pool, int b, int h, int w, int out) {
        int n = h * w, m = n / 4;
        Tensor full = scratch(name + "T", b, n, out);
        be.gemm(false, true, 1f, scratch("xT", b, n, ch).reshape(b * n, ch), matrix(wt.forward()), 0f,
                full.reshape(b * n, out));
        addBias(full.reshape(b * n, out), biasIndex);
        Tensor nchw = scratch(name + "_nchw", b, out, n);
        be.layers().transpose(full, nchw);
        Tensor pooled = pool.forward(nchw.reshape(b, out, h, w));
        Tensor rows = scratch(name + "_rows", b, m, out);
        be.layers().transpose(pooled.reshape(b, out, m), rows);
        return rows;
    }

    @Override
    public Tensor backward(Tensor dy) {
        require(x != null, "backward needs a forward first");
        int b = x.dim(0), h = x.dim(2), w = x.dim(3), n = h * w, m = n / 4;
        Tensor oc = scratch("o", b, ch, n);
        // σ: dσ = Σ dy·o; do = σ·dy
        boolean grads = requiresGrad();
        if (grads) {
            Tensor dsigma = scratch("dsigma", 1);
            be.layers().dot(dy.reshape(b, ch, n), oc, dsigma);
            be.axpy(1f, dsigma, sigma.grad());
        }
        Tensor doc = scratch("do", b, ch, n);
        be.fill(doc, 0f);
        be.layers().axpyScalar(sigma.value(), dy.reshape(b, ch, n), doc);
        if (grads && biases[3] != null) {
            accumulateBias(doc, 3);
        }
        // o = W_o aᵀ: dW_o = Σ_b do[b] a[b] = doᵀ_flatᵀ a_flat; da = doᵀ W_o
        Tensor doT = scratch("doT", b, n, ch);
        be.layers().transpose(doc, doT);
        Tensor a = scratch("a", b, n, c);
        Tensor gO = scratch("gW_o", ch, c);
        if (grads) {
            be.gemm(true, false, 1f, doT.reshape(b * n, ch), a.reshape(b * n, c), 0f, gO);
        }
        Tensor da = scratch("da", b, n, c);
        be.gemm(false, false, 1f, doT.reshape(b * n, ch), matrix(o.current()), 0f, da.reshape(b * n, c));
        // attention
        Tensor q = scratch("q", b, n, d), k = scratch("phi_rows", b, m, d), v = scratch("g_rows", b, m, c);
        Tensor dq = scratch("dq", b, n, d), dk = scratch("dk", b, m, d), dv = scratch("dv", b, m, c);
        be.attention().backward(q, k, v, a, scratch("lse", b, n), da, scale, dq, dk, dv);
        // the three 1×1 convs on xᵀ; dxᵀ accumulates their input gradients
        Tensor xFlat = scratch("xT", b, n, ch).reshape(b * n, ch);
        Tensor dxT = scratch("dxT", b, n, ch);
        Tensor gTheta = scratch("gW_theta", d, ch);
        if (grads) {
            be.gemm(true, false, 1f, dq.reshape(b * n, d), xFlat, 0f, gTheta);
        }
        be.gemm(false, false, 1f, dq.reshape(b * n, d), matrix(theta.current()), 0f, dxT.reshape(b * n, ch));
        if (grads && biases[0] != null) {
            accumulateBias(dq.reshape(b * n, d), 0);
        }
        Tensor gPhi = pooledBranchBackward("phi", phi, 1, poolPhi, dk, b, h, w, d, xFlat, dxT);
        Tensor gG = pooledBranchBackward("g", g, 2, poolG, dv, b, h, w, c, xFlat, dxT);
        if (grads) {
            theta.backward(matrixLike(gTheta, theta));
            phi.backward(matrixLike(gPhi, phi));
            g.backward(matrixLike(gG, g));
            o.backward(matrixLike(gO, o));
        }
        Tensor dx = scratch("dx", x.shape().dims());
        be.layers().transpose(dxT, dx.reshape(b, ch, n));
        be.axpy(1f, dy, dx);
        return dx;
    }

    private Tensor pooledBranchBackward(String name, Weight wt, int biasIndex, Resampling pool, Tensor dRows, int b,
                                        int h, int w, int out, Tensor xFlat, Tensor dxT) {
        int n = h * w, m = n / 4;
        Tensor dPooled = scratch(name + "_dpooled", b, out, m);
        be.layers().transpose(dRows, dPooled);
        Tensor dNchw = pool.backward(dPooled.reshape(b, out, h / 2, w / 2));
        Tensor dFull = scratch(name + "_dT", b, n, out);
        be.layers().transpose(dNchw.reshape(b, out, n), dFull);
        Tensor gW = scratch("gW_" + name, out, ch);
        if (requiresGrad()) {
            be.gemm(true, false, 1f, dFull.reshape(b * n, out), xFlat, 0f, gW);
        }
        be.gemm(false, false, 1f, dFull.reshape(b * n, out), matrix(wt.current()), 1f, dxT.reshape(b * n, ch));
        if (requiresGrad() && biases[biasIndex] != null) {
            accumulateBias(dFull.reshape(b * n, out), biasIndex);
        }
        return gW;
    }

    private void accumulateBias(Tensor rowsOrNchw, int i) {
        Tensor db = scratch("db" + i, biases[i].value().dim(0));
        be.layers().channelBiasGrad(rowsOrNchw.rank() == 3
                ? rowsOrNchw.reshape(rowsOrNchw.dim(0), rowsOrNchw.dim(1), rowsOrNchw.dim(2), 1) : rowsOrNchw, db);
        be.axpy(1f, db, biases[i].grad());
    }

    /** The gradient in the weight's own (out, in, 1, 1) shape. */
    private static Tensor matrixLike(Tensor gMatrix, Weight wt) {
        return gMatrix.reshape(wt.parameter().value().shape().dims());
    }
}
