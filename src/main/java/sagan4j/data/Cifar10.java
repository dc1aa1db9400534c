package sagan4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CIFAR-10's binary version (Krizhevsky 2009): records of 1 label byte + 3072 bytes (3×32×32, CHW) in
 * {@code data_batch_1.bin} … {@code data_batch_5.bin} (training) and {@code test_batch.bin}.
 */
public final class Cifar10 {
    private static final int RECORD = 1 + 3 * 32 * 32;

    static final String HOW_TO_GET = "expected CIFAR-10's binary version (data_batch_1..5.bin, test_batch.bin): unpack"
            + " cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and pass --dataset cifar10:DIR";

    private Cifar10() {
    }

    public static ImageSet read(Path dir, boolean train) {
        java.util.Objects.requireNonNull(dir, "Cifar10.read: dir is null (expected the folder of the .bin files)");
        String[] files = train ? new String[] {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin"} : new String[] {"test_batch.bin"};
        // every size is checked before anything is read: the pixels of all files must fit one Java array
        long records = 0;
        for (String name : files) {
            Path p = dir.resolve(name);
            long bytes = size(p);
            if (bytes == 0 || bytes % RECORD != 0) {
                throw new DataException(p + ": " + bytes + " bytes is not a whole number of " + RECORD + "-byte records; " + HOW_TO_GET);
            }
            records += bytes / RECORD;
        }
        if (records * (RECORD - 1) > Integer.MAX_VALUE - 8) {
            throw new DataException(dir + ": " + records + " records hold more pixels than one Java array (" + (Integer.MAX_VALUE - 8)
                    + " bytes); " + HOW_TO_GET);
        }
        byte[][] parts = new byte[files.length][];
        int n = 0;
        for (int f = 0; f < files.length; f++) {
            Path p = dir.resolve(files[f]);
            try {
                parts[f] = Files.readAllBytes(p);
            } catch (IOException e) {
                throw new DataException(p + ": cannot be read (" + e.getMessage() + "); " + HOW_TO_GET);
            }
            if (parts[f].length == 0 || parts[f].length % RECORD != 0) {
                throw new DataException(p + ": " + parts[f].length + " bytes is not a whole number of " + RECORD
                        + "-byte records (it changed while read); " + HOW_TO_GET);
            }
            n += parts[f].length / RECORD;
        }
        if ((long) n * (RECORD - 1) > Integer.MAX_VALUE - 8) {
            throw new DataException(dir + ": the files grew while read; " + HOW_TO_GET);
        }
        byte[] pixels = new byte[n * (RECORD - 1)];
        int[] labels = new int[n];
        int i = 0;
        for (int f = 0; f < files.length; f++) {
            for (int r = 0; r < parts[f].length / RECORD; r++, i++) {
                labels[i] = parts[f][r * RECORD] & 0xff;
                if (labels[i] > 9) {
                    throw new DataException(dir.resolve(files[f]) + ": record " + r + " has label " + labels[i] + ", expected 0..9; " + HOW_TO_GET);
                }
                System.arraycopy(parts[f], r * RECORD + 1, pixels, i * (RECORD - 1), RECORD - 1);
            }
        }
        return new ImageSet("cifar10 " + (train ? "train" : "test"), pixels, labels, n, 3, 32, 32, 10);
    }

    /** A regular file's size, or one line saying it is missing or not a file. */
    private static long size(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new DataException(p + ": " + (Files.exists(p) ? "not a regular file" : "missing") + "; " + HOW_TO_GET);
        }
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new DataException(p + ": cannot be read (" + e.getMessage() + "); " + HOW_TO_GET);
        }
    }
}
