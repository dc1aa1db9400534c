package sagan4j.data;

import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao et al. 2017) from Debian's {@code dataset-fashion-mnist}: 60 000 training and 10 000
 * test images, 28×28 grey, 10 classes, as idx files {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
 */
public final class FashionMnist {
    /** Where Debian's package puts it. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    static final String HOW_TO_GET = "expected Fashion-MNIST's idx files: install them with"
            + " `apt-get install -y dataset-fashion-mnist` (or name another folder: --dataset fashion-mnist:DIR)";

    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot"};

    private FashionMnist() {
    }

    /** @param train the 60 000 training images, else the 10 000 test images */
    public static ImageSet read(Path dir, boolean train) {
        java.util.Objects.requireNonNull(dir, "FashionMnist.read: dir is null (expected the folder of the idx files)");
        String prefix = train ? "train" : "t10k";
        IdxReader.Idx images = IdxReader.read(dir.resolve(prefix + "-images-idx3-ubyte.gz"), 3, HOW_TO_GET);
        IdxReader.Idx labels = IdxReader.read(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), 1, HOW_TO_GET);
        int n = images.dims()[0];
        if (labels.dims()[0] != n) {
            throw new DataException(dir + ": " + n + " " + prefix + " images but " + labels.dims()[0] + " labels; " + HOW_TO_GET);
        }
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            lb[i] = labels.data()[i] & 0xff;
            if (lb[i] > 9) {
                throw new DataException(dir + ": " + prefix + " label " + i + " is " + lb[i] + ", expected 0..9; " + HOW_TO_GET);
            }
        }
        return new ImageSet("fashion-mnist " + prefix, images.data(), lb, n, 1, images.dims()[1], images.dims()[2], 10);
    }
}
