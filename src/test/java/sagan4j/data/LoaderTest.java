package sagan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data pipeline end to end: its seeded order and resumable position, bit-identical to the positional
 * loader it replaced (goldens of that loader's batches), the fitting of images, and the idx reader.
 */
class LoaderTest {
    private static final ImageSet SET = Synthetic.make(50, 7, "test");

    private static DataLoader loader(ImageSet set, Transform t, long seed) {
        return new DataLoader(set, new Sampler(set.size(), seed), t, 8);
    }

    @Test
    void theOrderIsAFunctionOfSeedAndPositionAlone() {
        Fit fit = new Fit(1, 32);
        Batch[] first = new Batch[12];
        DataLoader data = loader(SET, new RandomFlip(fit), 42);
        assertEquals(6, data.batchesPerEpoch());
        try (BatchStream l = data.stream(Position.START, 3)) {
            for (int i = 0; i < first.length; i++) {
                first[i] = l.next();
            }
        }
        assertEquals(1, first[7].epoch());
        assertEquals(1, first[7].index());
        try (BatchStream resumed = data.stream(new Position(0, 4), 3)) {
            for (int i = 4; i < first.length; i++) {
                Batch b = resumed.next();
                assertArrayEquals(first[i].images(), b.images(), "batch " + i);
                assertArrayEquals(first[i].labels(), b.labels(), "batch " + i);
            }
        }
        try (BatchStream other = loader(SET, new RandomFlip(fit), 43).stream(Position.START, 3)) {
            assertNotEquals(Arrays.toString(first[0].labels()) + first[0].images()[0], Arrays.toString(other.next().labels())
                    + "x", "another seed, another order");
        }
    }

    /** SHA-256 of the images' float bits (little-endian), the labels and each batch's epoch and index, as bytes. */
    private static String digest(BatchStream s, int batches) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < batches; i++) {
            Batch b = s.next();
            for (float f : b.images()) {
                int x = Float.floatToRawIntBits(f);
                md.update(new byte[] {(byte) x, (byte) (x >> 8), (byte) (x >> 16), (byte) (x >> 24)});
            }
            for (int l : b.labels()) {
                md.update((byte) l);
            }
            md.update((byte) b.epoch());
            md.update((byte) b.index());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void batchesAreBitIdenticalToThePositionalLoaderTheyReplaced() throws NoSuchAlgorithmException {
        // goldens: the first 14 batches (two epochs and more) of Loader(set, fit, 8, 42, flip, 0, start, 3) before the split
        try (BatchStream s = loader(SET, new RandomFlip(new Fit(1, 32)), 42).stream(Position.START, 3)) {
            assertEquals("3f76fc1270e4e5825571890e87818dbe5402bb2df1fbc5e910987be9de4321e4", digest(s, 14), "grey, padded, flipped");
        }
        try (BatchStream s = loader(SET, new Fit(3, 20), 42).stream(new Position(0, 4), 3)) {
            assertEquals("fa7398773d2223fad8687df117931acfe55df8a84e50f37d1c5b256c41eb0579", digest(s, 14), "grey to RGB, resized, resumed");
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        byte[] px = new byte[30 * 3 * 27 * 25];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) r.nextInt(256);
        }
        int[] labels = new int[30];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 4;
        }
        ImageSet rgb = new ImageSet("rgb", px, labels, 30, 3, 27, 25, 4);
        try (BatchStream s = loader(rgb, new RandomFlip(new Fit(3, 20)), 42).stream(Position.START, 3)) {
            assertEquals("34462efb70c37a8a894735bfce4b96a80cf5b861dbf258cf1be9e8089b95da62", digest(s, 14), "RGB, resized, flipped");
        }
        try (BatchStream s = loader(rgb, new Fit(1, 32), 42).stream(new Position(0, 4), 3)) {
            assertEquals("a963a13d09d8d5f0655fdd2ae4e7cff7f37829f1564358938c1cf8c923f6eb9e", digest(s, 14), "RGB to grey, padded, resumed");
        }
    }

    @Test
    void fittingPadsSmallImagesWithBlackAndScalesToMinusOneOne() {
        byte[] px = new byte[2 * 2];
        px[0] = (byte) 255;
        px[3] = (byte) 0x80;
        Example tiny = new Example(px, 1, 2, 2, 0);
        float[] out = new float[3 * 4 * 4];
        new Fit(3, 4).write(tiny, out, 0);
        // centred at (1, 1): pixel (1,1) = 255 → 1, (2,2) = 128 → 128/127.5 − 1, padding → −1; grey repeated in 3 channels
        for (int c = 0; c < 3; c++) {
            assertEquals(1f, out[c * 16 + 1 * 4 + 1]);
            assertEquals((float) (128 / 127.5 - 1), out[c * 16 + 2 * 4 + 2], 1e-7);
            assertEquals(-1f, out[c * 16]);
        }
        RandomFlip.mirror(out, 0, 1, 4);
        assertEquals(1f, out[1 * 4 + 2], "flipped: column 1 → 2");
    }

    @TempDir
    Path tmp;

    private static void idx(Path file, int magic, int[] dims, byte[] data) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(4 + 4 * dims.length).putInt(magic);
        for (int d : dims) {
            head.putInt(d);
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(head.array());
            out.write(data);
        }
    }

    @Test
    void fashionMnistIdxFilesReadAndBadOnesGiveOneLine() throws IOException {
        byte[] images = new byte[3 * 28 * 28];
        for (int i = 0; i < images.length; i++) {
            images[i] = (byte) (i * 7);
        }
        idx(tmp.resolve("t10k-images-idx3-ubyte.gz"), 0x803, new int[] {3, 28, 28}, images);
        idx(tmp.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new int[] {3}, new byte[] {9, 0, 4});
        ImageSet s = FashionMnist.read(tmp, false);
        assertEquals(3, s.n());
        assertArrayEquals(new int[] {9, 0, 4}, s.labels());
        assertArrayEquals(images, s.pixels());
        idx(tmp.resolve("train-images-idx3-ubyte.gz"), 0x801, new int[] {3}, new byte[3]);
        DataException e = assertThrows(DataException.class, () -> FashionMnist.read(tmp, true));
        assertTrue(e.getMessage().startsWith(tmp.resolve("train-images-idx3-ubyte.gz") + ": not an idx file of 3-D unsigned bytes"), e.getMessage());
        assertTrue(e.getMessage().endsWith("apt-get install -y dataset-fashion-mnist` (or name another folder: --dataset fashion-mnist:DIR)"));
        idx(tmp.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[] {3, 28, 28}, new byte[100]);
        e = assertThrows(DataException.class, () -> FashionMnist.read(tmp, true));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
