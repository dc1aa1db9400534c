package sagan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.testing.Allocation;
import sagan4j.testing.Fuzz;

/** Regression tests for what the dataset fuzzing found, and bad arguments through the Java API. */
class DataBadInputTest {
    /** Far below every huge size announced here; far above what reading a few-byte file takes. */
    private static final long SMALL = 64L << 20;

    @TempDir
    Path tmp;

    private static DataException oneLine(Runnable r, String contains) {
        Allocation.Result res = Allocation.failing(r);
        DataException e = assertInstanceOf(DataException.class, res.thrown());
        assertTrue(Fuzz.isOneLine(e.getMessage()) && e.getMessage().contains(contains), e.getMessage());
        assertTrue(res.bytes() < SMALL, "refused before allocating: " + res.bytes() + " bytes allocated; " + e.getMessage());
        return e;
    }

    @Test
    void idxSizesThatAreNegativeButMultiplyToAPositiveSizeAreRefused() throws IOException {
        // was: the product (-1)(-28)(28) passed, and FashionMnist died in new int[-1] (NegativeArraySizeException)
        Path f = Files.write(tmp.resolve("x.idx"), DataReaderFuzzTest.idx(0x803, new int[] {-1, -28, 28}, new byte[784]));
        oneLine(() -> IdxReader.read(f, 3, "how"), "idx size 0 is -1 (expected at least 1)");
    }

    @Test
    void aPlainIdxFileAnnouncingMoreThanItHoldsIsRefusedBeforeAllocating() throws IOException {
        // was: new byte[2^30] for a 20-byte file, then EOF (OutOfMemoryError near 2^31)
        Path f = Files.write(tmp.resolve("x.idx"), DataReaderFuzzTest.idx(0x803, new int[] {1 << 10, 1 << 10, 1 << 10}, new byte[4]));
        oneLine(() -> IdxReader.read(f, 3, "how"), "announces 1073741824 data bytes, the file has 4");
    }

    @Test
    void aGzipIdxFileAnnouncingMoreThanItHoldsAllocatesOnlyWhatArrives() throws IOException {
        Path f = Files.write(tmp.resolve("x.idx.gz"),
                DataReaderFuzzTest.gzip(DataReaderFuzzTest.idx(0x803, new int[] {2047, 1024, 1024}, new byte[100])));
        oneLine(() -> IdxReader.read(f, 3, "how"), "truncated");
    }

    @Test
    void idxSizesWhoseProductOverflowsAreRefused() throws IOException {
        Path f = Files.write(tmp.resolve("x.idx"), DataReaderFuzzTest.idx(0x803, new int[] {65536, 65536, 65536}, new byte[4]));
        oneLine(() -> IdxReader.read(f, 3, "how"), "more bytes than one Java array");
    }

    @Test
    void aCifarBatchLargerThanAJavaArrayIsRefusedBeforeReading() throws IOException {
        // was: Files.readAllBytes threw OutOfMemoryError for a file over 2 GiB; the file here is sparse
        int record = 1 + 3 * 32 * 32;
        Path dir = Files.createDirectories(tmp.resolve("cifar"));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("test_batch.bin").toFile(), "rw")) {
            f.setLength(700_000L * record);
        }
        oneLine(() -> Cifar10.read(dir, false), "700000 records hold more pixels than one Java array");
    }

    @Test
    void aPngAnnouncingAHugeSizeIsRefusedBeforeItsRasterIsAllocated() throws IOException {
        // was: ImageIO allocated the 20000x20000 raster (1.2 GB) before finding the data missing
        byte[] png = ImageFiles.png(5, 7, new SplittableRandom(1), false);
        Fuzz.putIntBE(png, 16, 20000);
        Fuzz.putIntBE(png, 20, 20000);
        Path dir = tmp.resolve("folder");
        Files.write(Files.createDirectories(dir.resolve("a")).resolve("x.png"), png);
        oneLine(() -> ImageFolder.read(dir, 8, true), "announces 20000x20000 pixels");
    }

    @Test
    void damagedAndNonImageFilesNameTheFile() throws IOException {
        Path dir = tmp.resolve("folder");
        Path a = Files.createDirectories(dir.resolve("a"));
        byte[] png = ImageFiles.png(5, 7, new SplittableRandom(2), false);
        Files.write(a.resolve("x.png"), java.util.Arrays.copyOf(png, png.length / 2));
        oneLine(() -> ImageFolder.read(dir, 8, true), a.resolve("x.png") + ": ");
        Files.write(a.resolve("x.png"), new byte[0]);
        oneLine(() -> ImageFolder.read(dir, 8, true), a.resolve("x.png") + ": not a readable PNG or JPEG image");
        Files.delete(a.resolve("x.png"));
        Files.createDirectories(a.resolve("folder-named.png"));
        oneLine(() -> ImageFolder.read(dir, 8, true), a.resolve("folder-named.png") + ": not a readable PNG or JPEG image");
    }

    @Test
    void emptyFoldersSayWhatIsMissing() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        oneLine(() -> ImageFolder.read(dir, 8, true), "no class sub-folders");
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Files.write(dir.resolve("a").resolve("notes.txt"), new byte[] {1});
        oneLine(() -> ImageFolder.read(dir, 8, true), "no .png or .jpg images");
        oneLine(() -> ImageFolder.read(tmp.resolve("nowhere"), 8, true), "missing");
    }

    @Test
    void oddImageSizesLoadScaledToTheResolution() throws IOException {
        Path dir = tmp.resolve("odd");
        int[][] sizes = {{1, 1}, {1, 300}, {300, 1}, {2, 3}};
        for (int i = 0; i < sizes.length; i++) {
            BufferedImage img = new BufferedImage(sizes[i][0], sizes[i][1], BufferedImage.TYPE_INT_RGB);
            int rgb = 0x102030 * (i + 1);
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    img.setRGB(x, y, rgb);
                }
            }
            Files.write(Files.createDirectories(dir.resolve("c")).resolve("img" + i + ".png"), ImageFiles.encode(img));
        }
        ImageSet s = ImageFolder.read(dir, 4, true); // images 1, 2, 3: every tenth (image 0) is held out
        assertEquals(3, s.n());
        for (int i = 0; i < 3; i++) {
            int rgb = 0x102030 * (i + 2);
            for (int c = 0; c < 3; c++) {
                byte want = (byte) (rgb >> (16 - 8 * c));
                for (int p = 0; p < 16; p++) {
                    assertEquals(want, s.pixels()[i * 48 + c * 16 + p], "a flat image stays flat when scaled: image " + i + " channel " + c);
                }
            }
        }
    }

    @Test
    void javaApiRejectsNullsAndBadSizesInOneLine() {
        assertOneLineNpe(() -> FashionMnist.read(null, true), "FashionMnist.read: dir is null");
        assertOneLineNpe(() -> Cifar10.read(null, true), "Cifar10.read: dir is null");
        assertOneLineNpe(() -> ImageFolder.read(null, 8, true), "ImageFolder.read: dir is null");
        assertOneLineNpe(() -> Datasets.open(null, true, 32), "Datasets.open: spec is null");
        assertOneLineNpe(() -> IdxReader.read(null, 1, "how"), "IdxReader.read: file is null");
        oneLine(() -> ImageFolder.read(tmp, 0, true), "size 0 (expected the model's resolution, 1 to 4096)");
        oneLine(() -> ImageFolder.read(tmp, -5, true), "size -5");
        oneLine(() -> Datasets.open("folder:bad\0path", true, 32), "is not a valid path");
        oneLine(() -> Datasets.open("cifar10:", true, 32), "expected a folder after the colon");
        oneLine(() -> Synthetic.make(-1, 1, "s"), "n -1");
        oneLine(() -> new Fit(2, 32), "channels 2");
        oneLine(() -> new Fit(1, 0), "resolution 0");
        ImageSet set = Synthetic.make(20, 1, "s");
        oneLine(() -> new DataLoader(set, new Sampler(20, 1), new Fit(1, 32), 0), "batch 0");
        oneLine(() -> new DataLoader(set, new Sampler(20, 1), new Fit(1, 32), 4).stream(Position.START, 0), "ahead 0");
        oneLine(() -> new Position(-1, 0), "epoch -1");
        oneLine(() -> new DataLoader(set, new Sampler(20, 1), new Fit(1, 32), 21), "s: 20 images cannot fill one batch of 21");
        oneLine(() -> new DataLoader(set, new Sampler(19, 1), new Fit(1, 32), 4), "the sampler orders 19 images, s has 20");
        oneLine(() -> new DataLoader(set, new Sampler(20, 1), new Fit(1, 32), 4).position(-1), "-1 batches drawn");
        oneLine(() -> new Sampler(-1, 1), "size -1");
        oneLine(() -> new Example(new byte[3], 1, 2, 2, 0), "3 pixels for 1x2x2");
        assertOneLineNpe(() -> new ImageSet("x", null, new int[0], 0, 1, 1, 1, 1), "ImageSet: pixels is null");
        assertArrayEquals(new int[] {0, 1}, Synthetic.make(2, 1, "s").labels(), "valid arguments still work");
    }

    private static void assertOneLineNpe(Runnable r, String start) {
        NullPointerException e = assertThrows(NullPointerException.class, r::run);
        assertTrue(Fuzz.isOneLine(e.getMessage()) && e.getMessage().startsWith(start), e.getMessage());
    }
}
