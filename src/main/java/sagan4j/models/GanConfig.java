package sagan4j.models;

import java.util.Locale;

import sagan4j.backend.ConfigException;

/**
 * Everything that shapes a generator and a discriminator. {@link #validate()} fails, before anything is
 * allocated, with one line naming the setting.
 *
 * @param preset       the name it was made from ("custom" after changes)
 * @param blocks       SEED: the seed's residual blocks (LeakyReLU, norm after conv, upsampling outside);
 *                     BIGGAN: the paper's blocks (pre-activation, ReLU, upsampling inside)
 * @param shared       false: SAGAN's per-class γ/β tables; true: BigGAN's shared class embedding
 *                     concatenated with a chunk of z, mapped to γ/β by linears (hierarchical z)
 * @param resolution   32, 64 or 128
 * @param imageChannels 1 or 3
 * @param classes      number of classes (≥ 1)
 * @param ch           channel width (the seed's DIM, BigGAN's ch)
 * @param zDim         latent size; with {@code shared} it must split into one chunk per G block plus one
 * @param sharedDim    size of the shared class embedding (with {@code shared})
 * @param attentionG   resolution after which G has self-attention (0: none)
 * @param attentionD   resolution after which D has self-attention (0: none)
 * @param snG          spectral normalisation in G
 * @param snD          spectral normalisation in D
 * @param gainOffset   γ = gainOffset + Linear(v) in the shared-embedding norms (seed 0, paper 1)
 * @param orthoInit    orthogonal initialisation of conv and linear weights (BigGAN)
 * @param seed         seed of the weight initialisation
 */
public record GanConfig(String preset, Blocks blocks, boolean shared, int resolution, int imageChannels, int classes,
                        int ch, int zDim, int sharedDim, int attentionG, int attentionD, boolean snG, boolean snD,
                        float gainOffset, boolean orthoInit, long seed) {

    /** Which residual blocks. */
    public enum Blocks {
        SEED, BIGGAN
    }

    public static GanConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            // a small SAGAN-style model for CPU demos and tests: grey 32×32, both attentions at 16×16
            case "tiny" -> new GanConfig("tiny", Blocks.SEED, false, 32, 1, 10, 16, 64, 0, 16, 16, true, true, 0f, false, 1);
            case "sagan32" -> new GanConfig("sagan32", Blocks.SEED, false, 32, 3, 10, 64, 128, 0, 16, 16, true, true, 0f, false, 1);
            case "biggan32" -> new GanConfig("biggan32", Blocks.SEED, true, 32, 3, 10, 64, 128, 32, 16, 8, true, true, 0f, true, 1);
            case "biggan128" -> new GanConfig("biggan128", Blocks.BIGGAN, true, 128, 3, 1000, 96, 120, 128, 64, 64, true, true, 1f,
                    true, 1);
            default -> throw new ConfigException("preset: expected tiny, sagan32, biggan32 or biggan128, got '" + name + "'");
        };
    }

    /** The same configuration with orthogonal initialisation on or off. */
    public GanConfig withOrthoInit(boolean on) {
        return new GanConfig(preset, blocks, shared, resolution, imageChannels, classes, ch, zDim, sharedDim, attentionG,
                attentionD, snG, snD, gainOffset, on, seed);
    }

    /** Generator blocks: log2(resolution / 4). */
    public int stages() {
        return Integer.numberOfTrailingZeros(resolution / 4);
    }

    /** Output channels of generator block i (0-based): ch·2^(stages−1−i). */
    public int gOut(int i) {
        return ch << (stages() - 1 - i);
    }

    /** Channels of the 4×4 map the generator's linear layer makes. */
    public int gTop() {
        return gOut(0);
    }

    /** Output channels of discriminator block j: ch·2^j for the downsampling blocks, then the same once more. */
    public int dOut(int j) {
        return ch << Math.min(j, stages() - 1);
    }

    /** Size of each z chunk with the shared embedding (z splits into stages + 1 chunks). */
    public int zChunk() {
        return zDim / (stages() + 1);
    }

    /** Checks every setting; one line naming the first bad one. */
    public GanConfig validate() {
        if (resolution != 32 && resolution != 64 && resolution != 128) {
            throw new ConfigException("resolution: expected 32, 64 or 128, got " + resolution);
        }
        if (imageChannels != 1 && imageChannels != 3) {
            throw new ConfigException("image-channels: expected 1 or 3, got " + imageChannels);
        }
        if (classes < 1) {
            throw new ConfigException("classes: expected at least 1, got " + classes);
        }
        if (ch < 1) {
            throw new ConfigException("ch: expected at least 1, got " + ch);
        }
        if (zDim < 1) {
            throw new ConfigException("z-dim: expected at least 1, got " + zDim);
        }
        if (shared && zDim % (stages() + 1) != 0) {
            throw new ConfigException("z-dim: " + zDim + " does not split into " + (stages() + 1)
                    + " equal chunks (one per generator block plus one) at resolution " + resolution);
        }
        if (shared && sharedDim < 1) {
            throw new ConfigException("shared-dim: expected at least 1 with a shared embedding, got " + sharedDim);
        }
        checkAttention("attention-g", attentionG, gAttentionChannels());
        checkAttention("attention-d", attentionD, dAttentionChannels());
        return this;
    }

    private void checkAttention(String setting, int at, int channels) {
        if (at == 0) {
            return;
        }
        if (channels < 0) {
            throw new ConfigException(setting + ": " + at + " is not a block output resolution (expected a power of two from 8 to "
                    + resolution + ", or 0 for none)");
        }
        if (channels % 8 != 0) {
            throw new ConfigException(setting + ": self-attention at " + at + "x" + at + " needs channels divisible by 8, got "
                    + channels + " (ch " + ch + ")");
        }
    }

    /** Channels at G's attention resolution, or −1 if no block outputs that resolution. */
    int gAttentionChannels() {
        for (int i = 0; i < stages(); i++) {
            if (8 << i == attentionG) {
                return gOut(i);
            }
        }
        return -1;
    }

    /** Channels at D's attention resolution (after the downsampling block that outputs it), or −1. */
    int dAttentionChannels() {
        for (int j = 0; j < stages(); j++) {
            if (resolution >> (j + 1) == attentionD && attentionD >= 4) {
                return dOut(j);
            }
        }
        return -1;
    }
}
