package sagan4j.data;

/**
 * Turns one {@link Example} into the model's input, (channels, resolution, resolution) floats, as the
 * transforms of {@code torchvision}: {@link Fit} (channels, size, scaling to [−1, 1]) and {@link RandomFlip}
 * on top of it. A transform that draws at random draws from {@code drawSeed} alone (the {@link Sampler}
 * makes it from the image's position in the data order), so its output is reproducible and resumable.
 */
public interface Transform {
    int channels();

    int resolution();

    default int floatsPerImage() {
        return channels() * resolution() * resolution();
    }

    /** Writes {@code example}, transformed, into {@code out} at {@code offset} (CHW). */
    void apply(Example example, long drawSeed, float[] out, int offset);
}
