package sagan4j.models;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.nn.Activation;
import sagan4j.nn.Embedding;
import sagan4j.nn.Layer;
import sagan4j.nn.Linear;
import sagan4j.nn.Module;
import sagan4j.nn.SelfAttention;
import sagan4j.nn.SumHW;

/**
 * The projection discriminator of SAGAN and BigGAN, from a {@link GanConfig}:
 * <pre>
 *   x → [down block]×stages (+ attention) → block without downsampling → (ReLU, paper blocks) → Σ over H, W → h (B, C)
 *   out = Linear(h) + ⟨embed(y), h⟩                 (B, 1)
 * </pre>
 * The projection term is computed with batched GEMMs: (B, 1, C)·(B, C, 1), and its backward
 * (B, 1, 1)·(B, 1, C) row scalings. With an auxiliary classifier (AC-GAN, {@code auxClassifier}), a second
 * head on the same h gives class logits aux = Linear_aux(h) (B, K) ({@link #auxLogits()}); its gradient
 * enters through {@link #backward(Tensor, Tensor)}. The head is drawn from the seeded stream after the
 * projection's embedding, so a D without it has exactly the weights it had before the head existed.
 */
public final class Discriminator extends Module {
    private final GanConfig cfg;
    private final List<Layer> blocks = new ArrayList<>();
    private final SelfAttention attention;
    private final int attentionAfter;
    private final Activation reluOut;
    private final SumHW sum;
    private final Linear linear;
    private final Embedding embed;
    private final Linear aux;
    private final Summary summary = new Summary();
    private Tensor labels;
    private Tensor pooled;
    private Tensor embedded;
    private Tensor auxLogits;
    private int batch;

    public Discriminator(Backend be, GanConfig cfg) {
        this(be, cfg, false);
    }

    /** D with, when {@code auxClassifier}, AC-GAN's auxiliary class head beside the projection. */
    public Discriminator(Backend be, GanConfig cfg, boolean auxClassifier) {
        super(be, "D");
        this.cfg = cfg.validate();
        SplittableRandom rng = new SplittableRandom(cfg.seed() + 1);
        boolean paper = cfg.blocks() == GanConfig.Blocks.BIGGAN;
        int stages = cfg.stages(), at = -1;
        SelfAttention attn = null;
        for (int j = 0; j <= stages; j++) {
            int cin = j == 0 ? cfg.imageChannels() : cfg.dOut(j - 1), cout = cfg.dOut(j);
            boolean down = j < stages;
            int res = down ? cfg.resolution() >> (j + 1) : 4;
            String path = child("blocks." + j);
            Layer block = paper ? new BigGanDBlock(be, path, cin, cout, j > 0, down, cfg.snD(), rng)
                    : new SeedDBlock(be, path, cin, cout, down, cfg.snD(), rng);
            blocks.add(add(block));
            summary.add(block, (paper ? "BigGAN DBlock" : "seed DBlock") + (down ? " (down)" : ""), cout, res, res);
            if (down && res == cfg.attentionD()) {
                attn = add(new SelfAttention(be, child("attention"), cout, cfg.snD(), false, rng));
                summary.add(attn, "SelfAttention", cout, res, res);
                at = j;
            }
        }
        attention = attn;
        attentionAfter = at;
        int c = cfg.dOut(stages);
        reluOut = paper ? add(Activation.relu(be, child("act_out"))) : null;
        sum = add(new SumHW(be, child("sum")));
        linear = add(new Linear(be, child("linear"), c, 1, true, cfg.snD(), rng));
        embed = add(new Embedding(be, child("embed"), cfg.classes(), c, cfg.snD(), rng));
        summary.add(linear, "Linear (sum over H,W)", 1);
        summary.add(embed, "Embedding (projection)", c);
        aux = auxClassifier ? add(new Linear(be, child("aux"), c, cfg.classes(), true, cfg.snD(), rng)) : null;
        if (aux != null) {
            summary.add(aux, "Linear (auxiliary classifier)", cfg.classes());
        }
        if (cfg.orthoInit()) {
            Models.orthogonalInit(be, this, rng);
        }
    }

    /** Whether D has the auxiliary classifier head. */
    public boolean hasAuxClassifier() {
        return aux != null;
    }

    /** The auxiliary head's class logits (B, K) of the last forward; only with the head. */
    public Tensor auxLogits() {
        require(aux != null, "auxLogits: this D has no auxiliary classifier");
        require(auxLogits != null, "auxLogits needs a forward first");
        return auxLogits;
    }

    public GanConfig config() {
        return cfg;
    }

    public Summary summary() {
        return summary;
    }

    /** images (B, C, R, R), labels int32 (B) → logits (B, 1). */
    public Tensor forward(Tensor images, Tensor labels) {
        int r = cfg.resolution();
        require(images.rank() == 4 && images.dim(1) == cfg.imageChannels() && images.dim(2) == r && images.dim(3) == r,
                "images must be (B, " + cfg.imageChannels() + ", " + r + ", " + r + "), got " + images.shape());
        require(labels.dtype() == DType.INT32 && labels.rank() == 1,
                "labels must be int32 (B), got " + labels.shape() + " " + labels.dtype().label());
        require(labels.dim(0) == images.dim(0), "labels: " + labels.dim(0) + " labels for a batch of " + images.dim(0));
        this.labels = labels;
        this.batch = images.dim(0);
        normaliseSpectralWeights(); // every W/σ of this pass in one go (one launch on CUDA)
        Tensor h = images;
        for (int j = 0; j < blocks.size(); j++) {
            h = blocks.get(j).forward(h);
            if (j == attentionAfter) {
                h = attention.forward(h);
            }
        }
        if (reluOut != null) {
            h = reluOut.forward(h);
        }
        pooled = sum.forward(h);
        int c = pooled.dim(1);
        Tensor out = scratch("out", batch, 1);
        be.copy(linear.forward(pooled), out);
        embedded = embed.forward(labels);
        Tensor proj = scratch("proj", batch, 1, 1);
        be.gemm(false, false, 1f, embedded.reshape(batch, 1, c), pooled.reshape(batch, c, 1), 0f, proj);
        be.axpy(1f, proj.reshape(batch, 1), out);
        if (aux != null) {
            auxLogits = aux.forward(pooled);
        }
        return out;
    }

    /** dOut (B, 1) → dImages; every weight gradient accumulated (the auxiliary head, if any, gets no gradient). */
    public Tensor backward(Tensor dOut) {
        return backward(dOut, null);
    }

    /**
     * dOut (B, 1) and, with the auxiliary head, dAux (B, K) (null: none) → dImages; every weight gradient
     * accumulated.
     */
    public Tensor backward(Tensor dOut, Tensor dAux) {
        require(labels != null, "backward needs a forward first");
        require(dAux == null || aux != null, "backward: a gradient for the auxiliary classifier, but this D has none");
        int c = cfg.dOut(cfg.stages());
        Tensor dPooled = scratch("d_pooled", batch, c);
        be.copy(linear.backward(dOut), dPooled);
        if (dAux != null) {
            be.axpy(1f, aux.backward(dAux), dPooled);
        }
        // d⟨e, h⟩/dh = dOut·e, d/de = dOut·h: row scalings as (B,1,1)·(B,1,C) GEMMs
        be.gemm(false, false, 1f, dOut.reshape(batch, 1, 1), embedded.reshape(batch, 1, c), 1f, dPooled.reshape(batch, 1, c));
        if (requiresGrad()) {
            Tensor dE = scratch("d_embed", batch, c);
            be.gemm(false, false, 1f, dOut.reshape(batch, 1, 1), pooled.reshape(batch, 1, c), 0f, dE.reshape(batch, 1, c));
            embed.backward(dE);
        }
        Tensor d = sum.backward(dPooled);
        if (reluOut != null) {
            d = reluOut.backward(d);
        }
        for (int j = blocks.size() - 1; j >= 0; j--) {
            if (j == attentionAfter) {
                d = attention.backward(d);
            }
            d = blocks.get(j).backward(d);
        }
        return d;
    }
}
