package sagan4j.data;

/**
 * One image of a {@link Dataset} and its label: 8-bit pixels, CHW, as the file held them (before any
 * {@link Transform}).
 *
 * @param pixels c·h·w values 0..255
 */
public record Example(byte[] pixels, int c, int h, int w, int label) {
    public Example {
        java.util.Objects.requireNonNull(pixels, "Example: pixels is null (expected c·h·w bytes)");
        if (c < 1 || h < 1 || w < 1 || pixels.length != (long) c * h * w) {
            throw new DataException("Example: " + pixels.length + " pixels for " + c + "x" + h + "x" + w
                    + " (expected c, h, w at least 1 and c·h·w pixels)");
        }
    }
}
