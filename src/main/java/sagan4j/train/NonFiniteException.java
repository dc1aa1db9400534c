package sagan4j.train;

/**
 * Training met a NaN or ±∞ ({@code --check-finite}): the step in progress (1-based, as metrics lines count
 * them), the phase (D step or G step), the layer (a module path such as {@code D.blocks.1.conv2}, or
 * {@code loss}) and the tensor (the layer's output, a parameter's gradient, or which loss).
 */
public final class NonFiniteException extends RuntimeException {
    /** The tensor phrase of a layer output (a gradient's phrase names its parameter, a loss's the loss). */
    static final String OUTPUT = "the output";
    private final long step;
    private final String phase;
    private final String layer;
    private final String tensor;
    private final java.nio.file.Path checkpoint;

    NonFiniteException(long step, String phase, String layer, String tensor, String detail) {
        this("non-finite value at step " + step + " (" + phase + "): " + tensor + (tensor.equals(OUTPUT) ? " of " + layer : "") + " " + detail,
                step, phase, layer, tensor, null);
    }

    private NonFiniteException(String message, long step, String phase, String layer, String tensor, java.nio.file.Path checkpoint) {
        super(message);
        this.step = step;
        this.phase = phase;
        this.layer = layer;
        this.tensor = tensor;
        this.checkpoint = checkpoint;
    }

    /** The same, naming the final checkpoint written at the stop. */
    NonFiniteException savedTo(java.nio.file.Path file) {
        return new NonFiniteException(getMessage() + "; final checkpoint " + file + " (marked nonfinite: --resume and --run skip it)",
                step, phase, layer, tensor, file);
    }

    /** The checkpoint written at the stop (marked {@value Checkpoints#NONFINITE_KEY}), or null before it was written. */
    public java.nio.file.Path checkpoint() {
        return checkpoint;
    }

    public long step() {
        return step;
    }

    public String phase() {
        return phase;
    }

    public String layer() {
        return layer;
    }

    public String tensor() {
        return tensor;
    }
}
