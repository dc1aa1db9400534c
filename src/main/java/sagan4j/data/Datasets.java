package sagan4j.data;

import java.nio.file.Path;
import java.util.Locale;

/** Opens the dataset a {@code --dataset} value names: fashion-mnist[:DIR], cifar10:DIR, folder:DIR or synthetic. */
public final class Datasets {
    /** Images in the synthetic training split (its held-out split has a fifth as many). */
    public static final int SYNTHETIC_TRAIN = 2000;

    private Datasets() {
    }

    /**
     * @param train     the training split, else the held-out one (Fashion-MNIST's t10k, CIFAR-10's test
     *                  batch, every tenth image of a folder, a differently seeded synthetic set)
     * @param folderSize the size a folder's images are scaled to on loading (the model's resolution)
     */
    public static ImageSet open(String spec, boolean train, int folderSize) {
        java.util.Objects.requireNonNull(spec, "Datasets.open: spec is null (expected fashion-mnist[:DIR], cifar10:DIR, folder:DIR or synthetic)");
        String kind = spec, arg = null;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            kind = spec.substring(0, colon);
            arg = spec.substring(colon + 1);
        }
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "fashion-mnist" -> FashionMnist.read(arg == null ? FashionMnist.DEFAULT_DIR : folder(spec, arg), train);
            case "cifar10" -> Cifar10.read(folder(spec, arg), train);
            case "folder" -> ImageFolder.read(folder(spec, arg), folderSize, train);
            case "synthetic" -> train ? Synthetic.make(SYNTHETIC_TRAIN, 1, "synthetic train")
                    : Synthetic.make(SYNTHETIC_TRAIN / 5, 2, "synthetic held-out");
            default -> throw new DataException("--dataset: expected fashion-mnist[:DIR], cifar10:DIR, folder:DIR or synthetic, got '"
                    + spec + "'");
        };
    }

    /** A short name for run folders: the kind, without its path. */
    public static String shortName(String spec) {
        int colon = spec.indexOf(':');
        return (colon >= 0 ? spec.substring(0, colon) : spec).toLowerCase(Locale.ROOT);
    }

    private static Path folder(String spec, String arg) {
        if (arg == null || arg.isEmpty()) {
            throw new DataException("--dataset " + spec + ": expected a folder after the colon, e.g. " + spec + ":/data/" + spec);
        }
        try {
            return Path.of(arg);
        } catch (java.nio.file.InvalidPathException e) {
            throw new DataException("--dataset " + spec + ": '" + arg + "' is not a valid path (" + e.getReason() + ")");
        }
    }
}
