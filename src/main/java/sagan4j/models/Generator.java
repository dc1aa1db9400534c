package sagan4j.models;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.nn.Activation;
import sagan4j.nn.Condition;
import sagan4j.nn.ConditionalBatchNorm2d;
import sagan4j.nn.ConditionalNorm;
import sagan4j.nn.Conv2d;
import sagan4j.nn.Embedding;
import sagan4j.nn.Linear;
import sagan4j.nn.Module;
import sagan4j.nn.Resampling;
import sagan4j.nn.SelfAttention;

/**
 * The class-conditional ResNet generator of SAGAN and BigGAN, from a {@link GanConfig}:
 * <pre>
 *   SAGAN (class tables):  z → Linear → (B, top, 4, 4) → [up ×2, block]×stages (+ attention) → conv 3×3 → tanh
 *   BigGAN (shared):       z split into stages + 1 chunks; chunk 0 → Linear; v_i = concat(embed(y), chunk i+1)
 *                          conditions block i; seed blocks as above, paper blocks upsample inside and end
 *                          with BN → ReLU → conv 3×3 → tanh
 * </pre>
 * forward(z (B, zDim), labels int32 (B)) → images (B, C, R, R) in [−1, 1]; backward(dImages) accumulates
 * every weight gradient (including the shared embedding's).
 */
public final class Generator extends Module {
    private final GanConfig cfg;
    private final Linear linear;
    private final Embedding sharedEmbedding;
    private final List<Module> blocks = new ArrayList<>();
    private final List<Resampling> ups = new ArrayList<>();
    private final SelfAttention attention;
    private final int attentionAfter;
    private final ConditionalBatchNorm2d bnOut;
    private final Activation reluOut;
    private final Conv2d convOut;
    private final Activation tanh;
    private final Summary summary = new Summary();
    private Tensor z;
    private Tensor labels;
    private Tensor bnOutLabels;

    public Generator(Backend be, GanConfig cfg) {
        super(be, "G");
        this.cfg = cfg.validate();
        SplittableRandom rng = new SplittableRandom(cfg.seed());
        int stages = cfg.stages();
        int linearIn = cfg.shared() ? cfg.zChunk() : cfg.zDim();
        boolean paper = cfg.blocks() == GanConfig.Blocks.BIGGAN;
        sharedEmbedding = cfg.shared() ? add(new Embedding(be, child("shared"), cfg.classes(), cfg.sharedDim(), rng)) : null;
        if (sharedEmbedding != null) {
            summary.add(sharedEmbedding, "Embedding (shared)", cfg.sharedDim());
        }
        linear = add(new Linear(be, child("linear"), linearIn, 16 * cfg.gTop(), true, cfg.snG(), rng));
        summary.add(linear, "Linear", cfg.gTop(), 4, 4);
        int condDim = cfg.sharedDim() + cfg.zChunk();
        int at = -1;
        SelfAttention attn = null;
        for (int i = 0; i < stages; i++) {
            int cin = i == 0 ? cfg.gTop() : cfg.gOut(i - 1), cout = cfg.gOut(i), res = 8 << i;
            String path = child("blocks." + i);
            Module block;
            if (paper) {
                block = add(new BigGanGBlock(be, path, cin, cout, condDim, cfg.snG(), rng));
                summary.add(block, "BigGAN GBlock (up)", cout, res, res);
            } else {
                ups.add(add(new Resampling(be, child("up." + i), LayerOps.Resample.UPSAMPLE)));
                SeedGBlock.NormFactory norms = cfg.shared()
                        ? (p, c) -> ConditionalNorm.dense(be, p, c, condDim, cfg.snG(), cfg.gainOffset(), rng)
                        : (p, c) -> ConditionalNorm.tables(be, p, c, cfg.classes());
                block = add(new SeedGBlock(be, path, cin, cout, cfg.snG(), norms, rng));
                summary.add(block, "up 2x + seed GBlock", cout, res, res);
            }
            blocks.add(block);
            if (res == cfg.attentionG()) {
                attn = add(new SelfAttention(be, child("attention"), cout, cfg.snG(), false, rng));
                summary.add(attn, "SelfAttention", cout, res, res);
                at = i;
            }
        }
        attention = attn;
        attentionAfter = at;
        int last = cfg.gOut(stages - 1), r = cfg.resolution();
        if (paper) {
            bnOut = add(new ConditionalBatchNorm2d(be, child("bn_out"), last, 1));
            reluOut = add(Activation.relu(be, child("act_out")));
            summary.add(bnOut, "BatchNorm + ReLU", last, r, r);
        } else {
            bnOut = null;
            reluOut = null;
        }
        convOut = add(new Conv2d(be, child("conv_out"), last, cfg.imageChannels(), 3, true, cfg.snG(), rng));
        tanh = add(Activation.tanh(be, child("tanh")));
        summary.add(convOut, "Conv 3x3 + tanh", cfg.imageChannels(), r, r);
        if (cfg.orthoInit()) {
            Models.orthogonalInit(be, this, rng);
        }
    }

    public GanConfig config() {
        return cfg;
    }

    public Summary summary() {
        return summary;
    }

    public Tensor forward(Tensor z, Tensor labels) {
        int b = z.dim(0);
        require(z.rank() == 2 && z.dim(1) == cfg.zDim(), "z must be (B, " + cfg.zDim() + "), got " + z.shape());
        require(labels.dtype() == DType.INT32 && labels.rank() == 1,
                "labels must be int32 (B), got " + labels.shape() + " " + labels.dtype().label());
        require(labels.dim(0) == b, "labels: " + labels.dim(0) + " labels for a batch of " + b);
        this.z = z;
        this.labels = labels;
        normaliseSpectralWeights(); // every W/σ of this pass in one go (one launch on CUDA)
        List<Tensor> chunks = cfg.shared() ? splitZ(z) : List.of(z);
        Tensor h = linear.forward(chunks.get(0)).reshape(b, cfg.gTop(), 4, 4);
        Tensor shared = sharedEmbedding == null ? null : sharedEmbedding.forward(labels);
        for (int i = 0; i < blocks.size(); i++) {
            Condition c = cfg.shared() ? Condition.vector(conditionVector(i, shared, chunks.get(i + 1))) : Condition.labels(labels);
            if (blocks.get(i) instanceof BigGanGBlock g) {
                h = g.forward(h, c);
            } else {
                h = ((SeedGBlock) blocks.get(i)).forward(ups.get(i).forward(h), c);
            }
            if (i == attentionAfter) {
                h = attention.forward(h);
            }
        }
        if (bnOut != null) {
            h = reluOut.forward(bnOut.forward(h, zeroLabels(b)));
        }
        return convOut.forward(h, tanh);   // bias + tanh fused
    }

    /** dImages (B, C, R, R) → every weight gradient accumulated. */
    public void backward(Tensor dImages) {
        require(z != null, "backward needs a forward first");
        int b = z.dim(0);
        Tensor d = convOut.backward(tanh.backward(dImages));
        if (bnOut != null) {
            d = bnOut.backward(reluOut.backward(d));
        }
        Tensor dShared = null;
        if (cfg.shared()) {
            dShared = scratch("d_shared", b, cfg.sharedDim());
            be.fill(dShared, 0f);
        }
        for (int i = blocks.size() - 1; i >= 0; i--) {
            if (i == attentionAfter) {
                d = attention.backward(d);
            }
            Tensor dv = null;
            if (cfg.shared()) {
                dv = scratch("d_cond." + i, b, cfg.sharedDim() + cfg.zChunk());
                be.fill(dv, 0f);
            }
            if (blocks.get(i) instanceof BigGanGBlock g) {
                d = g.backward(d, dv);
            } else {
                d = ups.get(i).backward(((SeedGBlock) blocks.get(i)).backward(d, dv));
            }
            if (dv != null) {
                // v_i = [embed(y), chunk]: the embedding part flows to the shared table; z needs no gradient
                Tensor dEmb = scratch("d_emb." + i, b, cfg.sharedDim()), dChunk = scratch("d_chunk." + i, b, cfg.zChunk());
                be.layers().split(dv, List.of(dEmb, dChunk));
                be.axpy(1f, dEmb, dShared);
            }
        }
        linear.backward(d.reshape(b, 16 * cfg.gTop()));
        if (sharedEmbedding != null) {
            sharedEmbedding.backward(dShared);
        }
    }

    private List<Tensor> splitZ(Tensor z) {
        int b = z.dim(0), n = cfg.stages() + 1;
        List<Tensor> chunks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            chunks.add(scratch("z." + i, b, cfg.zChunk()));
        }
        be.layers().split(z, chunks);
        return chunks;
    }

    private Tensor conditionVector(int i, Tensor shared, Tensor chunk) {
        Tensor v = scratch("cond." + i, chunk.dim(0), cfg.sharedDim() + cfg.zChunk());
        be.layers().concat(List.of(shared, chunk), v);
        return v;
    }

    /** Labels of the unconditional output norm (one "class"). */
    private Tensor zeroLabels(int b) {
        if (bnOutLabels == null || bnOutLabels.dim(0) != b) {
            if (bnOutLabels != null) {
                bnOutLabels.close();
            }
            bnOutLabels = be.fromHost(new int[b], b);
        }
        return bnOutLabels;
    }

    @Override
    public void close() {
        super.close();
        if (bnOutLabels != null) {
            bnOutLabels.close();
        }
    }
}
