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
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's seeded order and resumable position, the fitting of images, and the idx reader. */
class LoaderTest {
    private static final ImageSet SET = Synthetic.make(50, 7, "test");

    @Test
    void theOrderIsAFunctionOfSeedAndPositionAlone() {
        Fit fit = new Fit(1, 32);
        Batch[] first = new Batch[12];
        try (Loader l = new Loader(SET, fit, 8, 42, true, 0, 0, 3)) {
            assertEquals(6, l.batchesPerEpoch());
            for (int i = 0; i < first.length; i++) {
                first[i] = l.next();
            }
            int[] p = l.order(0);
            int[] sorted = p.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i], "epoch 0 is a permutation");
            }
            assertNotEquals(Arrays.toString(p), Arrays.toString(l.order(1)), "each epoch is shuffled anew");
        }
        assertEquals(1, first[7].epoch());
        assertEquals(1, first[7].index());
        try (Loader resumed = new Loader(SET, fit, 8, 42, true, 0, 4, 3)) {
            for (int i = 4; i < first.length; i++) {
                Batch b = resumed.next();
                assertArrayEquals(first[i].images(), b.images(), "batch " + i);
                assertArrayEquals(first[i].labels(), b.labels(), "batch " + i);
            }
        }
        try (Loader other = new Loader(SET, fit, 8, 43, true, 0, 0, 3)) {
            assertNotEquals(Arrays.toString(first[0].labels()) + first[0].images()[0], Arrays.toString(other.next().labels())
                    + "x", "another seed, another order");
        }
    }

    @Test
    void fittingPadsSmallImagesWithBlackAndScalesToMinusOneOne() {
        byte[] px = new byte[2 * 2];
        px[0] = (byte) 255;
        px[3] = (byte) 0x80;
        ImageSet tiny = new ImageSet("2x2", px, new int[] {0}, 1, 1, 2, 2, 1);
        float[] out = new float[3 * 4 * 4];
        new Fit(3, 4).write(tiny, 0, false, out, 0);
        // centred at (1, 1): pixel (1,1) = 255 → 1, (2,2) = 128 → 128/127.5 − 1, padding → −1; grey repeated in 3 channels
        for (int c = 0; c < 3; c++) {
            assertEquals(1f, out[c * 16 + 1 * 4 + 1]);
            assertEquals((float) (128 / 127.5 - 1), out[c * 16 + 2 * 4 + 2], 1e-7);
            assertEquals(-1f, out[c * 16]);
        }
        new Fit(1, 4).write(tiny, 0, true, out, 0);
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
