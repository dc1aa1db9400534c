package sagan4j.ops;

import sagan4j.backend.DType;

/**
 * One named input or output of an op. {@code shape} is a comma-separated list of symbols and
 * numbers, e.g. {@code "B,N,d"} or {@code "1"}: a symbol binds to the first size seen for it and every
 * later use must agree.
 */
public record Port(String key, String shape, DType dtype, boolean optional, String help) {
    /** The shape spec that accepts any shape. */
    public static final String ANY = "*";

    public static Port of(String key, String shape, String help) {
        return new Port(key, shape, DType.FLOAT32, false, help);
    }

    public static Port optional(String key, String shape, String help) {
        return new Port(key, shape, DType.FLOAT32, true, help);
    }

    public static Port labels(String key, String shape, String help) {
        return new Port(key, shape, DType.INT32, false, help);
    }

    /** The port with another shape spec (for shapes that depend on a parameter, like a transpose). */
    public Port withShape(String newShape) {
        return new Port(key, newShape, dtype, optional, help);
    }

    public String describe() {
        return key + (optional ? "?" : "") + " (" + shape + ")" + (dtype == DType.INT32 ? " int" : "");
    }
}
