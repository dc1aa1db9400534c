package sagan4j.data;

/**
 * Images held in memory as 8-bit pixels with int labels: what every dataset reader produces, and the
 * {@link Dataset} training draws from.
 *
 * @param name     for logs and config.json (e.g. "fashion-mnist train")
 * @param pixels   n·c·h·w values 0..255, image-major, each image CHW
 * @param labels   n labels in [0, classes)
 * @param classes  number of classes
 */
public record ImageSet(String name, byte[] pixels, int[] labels, int n, int c, int h, int w, int classes) implements Dataset {
    public ImageSet {
        java.util.Objects.requireNonNull(pixels, "ImageSet: pixels is null (expected n·c·h·w bytes)");
        java.util.Objects.requireNonNull(labels, "ImageSet: labels is null (expected n labels)");
        if (n < 0 || c < 1 || h < 1 || w < 1 || classes < 1) {
            throw new DataException(name + ": " + n + " images of " + c + "x" + h + "x" + w + " in " + classes
                    + " classes (expected n 0 or more, the rest at least 1)");
        }
        if ((long) n * c * h * w != pixels.length || labels.length != n) {
            throw new DataException(name + ": " + pixels.length + " pixels and " + labels.length + " labels do not make "
                    + n + " images of " + c + "x" + h + "x" + w);
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new DataException(name + ": label " + i + " is " + labels[i] + ", expected a value in [0, " + classes + ")");
            }
        }
    }

    public int imageBytes() {
        return c * h * w;
    }

    @Override
    public int size() {
        return n;
    }

    /** Image {@code i} (a copy of its pixels) and its label. */
    @Override
    public Example get(int i) {
        java.util.Objects.checkIndex(i, n);
        int from = i * imageBytes();
        return new Example(java.util.Arrays.copyOfRange(pixels, from, from + imageBytes()), c, h, w, labels[i]);
    }

    /** The images whose index is (or, with {@code keep} false, is not) a multiple of {@code every}: a held-out split. */
    public ImageSet every(int every, boolean keep, String newName) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            count += (i % every == 0) == keep ? 1 : 0;
        }
        byte[] px = new byte[count * imageBytes()];
        int[] lb = new int[count];
        int j = 0;
        for (int i = 0; i < n; i++) {
            if ((i % every == 0) == keep) {
                System.arraycopy(pixels, i * imageBytes(), px, j * imageBytes(), imageBytes());
                lb[j++] = labels[i];
            }
        }
        return new ImageSet(newName, px, lb, count, c, h, w, classes);
    }
}
