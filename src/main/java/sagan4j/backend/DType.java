package sagan4j.backend;

/** Element types a {@link Tensor} can hold: float32 for activations and weights, int32 for labels. */
public enum DType {
    FLOAT32(4), INT32(4);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Lower-case name as it appears in messages and files: "float32", "int32". */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
