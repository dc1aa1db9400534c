package sagan4j.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.testing.Fuzz;
import sagan4j.testing.Slow;

/**
 * Seeded, bounded fuzzing of the dataset readers: idx files (plain and .gz, alone and as Fashion-MNIST's
 * folder), CIFAR-10 binary batches, and image folders of PNGs. Valid files are truncated, byte-mutated and
 * given absurd sizes in their headers; every case must load or fail with one {@link DataException} line
 * naming the path — never another exception, an Error such as OutOfMemoryError, or a hang ({@link Fuzz}
 * bounds each case). The README quotes the case counts.
 */
@Slow
class DataReaderFuzzTest {
    /** Cases per reader; the README quotes them. */
    public static final int IDX_CASES = 3000, CIFAR_CASES = 2000, PNG_CASES = 2000;
    private static final Fuzz fuzz = Fuzz.shared();

    @TempDir
    Path tmp;

    @Test
    void idxAndFashionMnistFailCleanly() throws IOException {
        SplittableRandom rng = new SplittableRandom(21);
        byte[] images = idx(0x803, new int[] {3, 4, 5}, randomBytes(rng, 60, 256));
        byte[] labels = idx(0x801, new int[] {3}, new byte[] {9, 0, 4});
        Path dir = Files.createDirectories(tmp.resolve("fmnist"));
        int loaded = 0;
        for (int c = 0; c < IDX_CASES; c++) {
            boolean image = rng.nextBoolean(), gz = rng.nextInt(3) > 0, asFolder = rng.nextInt(4) == 0;
            byte[] plain = image ? images : labels;
            byte[] bytes;
            if (gz && rng.nextInt(3) == 0) {
                bytes = Fuzz.mutate(gzip(plain), rng, 0, 0); // damage the compressed stream itself
            } else {
                byte[] m = rng.nextInt(3) == 0 ? absurdDims(plain, image ? 3 : 1, rng) : Fuzz.mutate(plain, rng, 0, 4);
                bytes = gz ? gzip(m) : m;
            }
            Predicate<Throwable> clean = Fuzz.oneLine(DataException.class, tmp.toString());
            if (asFolder) {
                // one file of the four mutated, the others valid
                for (String split : new String[] {"t10k"}) {
                    Files.write(dir.resolve(split + "-images-idx3-ubyte.gz"), image ? bytes : gzip(images));
                    Files.write(dir.resolve(split + "-labels-idx1-ubyte.gz"), image ? gzip(labels) : bytes);
                }
                loaded += fuzz.run("fashion-mnist", c, () -> FashionMnist.read(dir, false), clean) ? 1 : 0;
            } else {
                Path file = tmp.resolve(gz ? "case.idx.gz" : "case.idx");
                Files.write(file, bytes);
                int dims = image ? 3 : 1;
                loaded += fuzz.run("idx", c, () -> IdxReader.read(file, dims, "how"), clean) ? 1 : 0;
            }
        }
        assertTrue(loaded > 0 && loaded < IDX_CASES, "some cases load and some fail, or the mutator does nothing: " + loaded);
    }

    @Test
    void cifar10FailsCleanly() throws IOException {
        SplittableRandom rng = new SplittableRandom(22);
        int record = 1 + 3 * 32 * 32;
        byte[] batch = randomBytes(rng, 2 * record, 256);
        batch[0] = 3;
        batch[record] = 9;
        Path dir = Files.createDirectories(tmp.resolve("cifar"));
        String[] names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
        for (String n : names) {
            Files.write(dir.resolve(n), batch);
        }
        int loaded = 0;
        for (int c = 0; c < CIFAR_CASES; c++) {
            String name = names[rng.nextInt(names.length)];
            Path file = dir.resolve(name);
            byte[] b = switch (rng.nextInt(4)) {
                case 0 -> Arrays.copyOf(batch, rng.nextInt(batch.length)); // truncated
                case 1 -> Arrays.copyOf(batch, batch.length + 1 + rng.nextInt(2 * record)); // trailing bytes
                case 2 -> { // a label byte out of 0..9, or a pixel changed
                    byte[] m = batch.clone();
                    m[rng.nextBoolean() ? 0 : record] = (byte) rng.nextInt(256);
                    yield m;
                }
                default -> {
                    byte[] m = batch.clone();
                    Fuzz.flipBytes(m, rng);
                    yield m;
                }
            };
            boolean missing = rng.nextInt(20) == 0;
            if (missing) {
                Files.delete(file);
            } else {
                Files.write(file, b);
            }
            boolean train = !name.startsWith("test");
            loaded += fuzz.run("cifar10", c, () -> Cifar10.read(dir, train), Fuzz.oneLine(DataException.class, dir.toString())) ? 1 : 0;
            Files.write(file, batch);
        }
        assertTrue(loaded > 0 && loaded < CIFAR_CASES, "some cases load and some fail: " + loaded);
    }

    @Test
    void imageFolderOfDamagedPngsFailsCleanly() throws IOException {
        SplittableRandom rng = new SplittableRandom(23);
        List<byte[]> seeds = List.of(ImageFiles.png(5, 7, rng, false), ImageFiles.png(1, 1, rng, false), ImageFiles.png(33, 2, rng, true),
                ImageFiles.png(3, 40, rng, true));
        Path dir = tmp.resolve("folder");
        Path bad = Files.createDirectories(dir.resolve("a")).resolve("x.png");
        Files.write(Files.createDirectories(dir.resolve("b")).resolve("y.png"), seeds.get(0));
        int loaded = 0;
        for (int c = 0; c < PNG_CASES; c++) {
            byte[] base = seeds.get(rng.nextInt(seeds.size()));
            byte[] b = rng.nextInt(4) == 0 ? ImageFiles.absurdSize(base, rng) : Fuzz.mutate(base, rng, 16, 0);
            Files.write(bad, b);
            int size = 1 + rng.nextInt(8);
            loaded += fuzz.run("image folder", c, () -> ImageFolder.read(dir, size, true), Fuzz.oneLine(DataException.class, dir.toString()))
                    ? 1 : 0;
        }
        assertTrue(loaded > 0 && loaded < PNG_CASES, "some cases load and some fail: " + loaded);
    }

    static byte[] randomBytes(SplittableRandom rng, int n, int bound) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rng.nextInt(bound);
        }
        return b;
    }

    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer bb = ByteBuffer.allocate(4 + 4 * dims.length + data.length).putInt(magic);
        for (int d : dims) {
            bb.putInt(d);
        }
        return bb.put(data).array();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    /** One or more of the big-endian sizes after the magic replaced by an absurd value. */
    private static byte[] absurdDims(byte[] plain, int dims, SplittableRandom rng) {
        byte[] b = plain.clone();
        for (int k = 0; k < dims; k++) {
            if (k == 0 || rng.nextBoolean()) {
                Fuzz.putIntBE(b, 4 + 4 * rng.nextInt(dims), Fuzz.ABSURD_INTS[rng.nextInt(Fuzz.ABSURD_INTS.length)]);
            }
        }
        return b;
    }
}
