package sagan4j.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A folder with one sub-folder per class (sorted by name: class 0 is the first), holding PNG or JPEG
 * images read through ImageIO, each scaled to {@code size}×{@code size} RGB on loading. Every tenth image
 * (in sorted file order) is the held-out split.
 */
public final class ImageFolder {
    static final String HOW_TO_GET = "expected DIR/<class>/*.png|jpg, one sub-folder per class";

    private ImageFolder() {
    }

    /**
     * The most pixels an image file of n bytes may announce: PNG's deflate expands at most 1032:1 and a
     * pixel takes at least one bit, so a real image never announces more than 8·1032 pixels per byte of
     * file (JPEG compresses far less); a header beyond that is refused before its raster is allocated.
     */
    static final long PIXELS_PER_FILE_BYTE = 8 * 1032;
    /** And never more than this many (a 128 MiB int raster), whatever the file's length. */
    static final long MAX_PIXELS = 1 << 25;

    public static ImageSet read(Path dir, int size, boolean train) {
        java.util.Objects.requireNonNull(dir, "ImageFolder.read: dir is null (expected a folder of class sub-folders)");
        if (size < 1 || size > 4096) {
            throw new DataException("ImageFolder.read: size " + size + " (expected the model's resolution, 1 to 4096)");
        }
        List<Path> classes = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory).sorted().forEach(classes::add);
        } catch (IOException e) {
            throw new DataException(dir + ": " + (Files.exists(dir) ? "cannot be listed (" + e.getMessage() + ")" : "missing") + "; " + HOW_TO_GET);
        }
        if (classes.isEmpty()) {
            throw new DataException(dir + ": no class sub-folders; " + HOW_TO_GET);
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            try (Stream<Path> s = Files.list(classes.get(k))) {
                for (Path p : s.filter(ImageFolder::isImage).sorted().toList()) {
                    files.add(p);
                    labels.add(k);
                }
            } catch (IOException e) {
                throw new DataException(classes.get(k) + ": cannot be listed (" + e.getMessage() + "); " + HOW_TO_GET);
            }
        }
        if (files.isEmpty()) {
            throw new DataException(dir + ": no .png or .jpg images in its class sub-folders; " + HOW_TO_GET);
        }
        int n = files.size(), per = 3 * size * size;
        if ((long) n * per > Integer.MAX_VALUE - 8) {
            throw new DataException(dir + ": " + n + " images of " + size + "x" + size + " RGB hold more pixels than one Java array ("
                    + (Integer.MAX_VALUE - 8) + " bytes); " + HOW_TO_GET);
        }
        byte[] pixels = new byte[n * per];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            BufferedImage img = decode(files.get(i));
            BufferedImage scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, size, size, null);
            g.dispose();
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = scaled.getRGB(x, y);
                    for (int c = 0; c < 3; c++) {
                        pixels[i * per + (c * size + y) * size + x] = (byte) (rgb >> (16 - 8 * c));
                    }
                }
            }
            lb[i] = labels.get(i);
        }
        ImageSet all = new ImageSet("folder " + dir.getFileName(), pixels, lb, n, 3, size, size, classes.size());
        return all.every(10, !train, all.name() + (train ? " train" : " held-out"));
    }

    /** One image, its announced size checked against the file's length before the raster is allocated. */
    static BufferedImage decode(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DataException(file + ": not a readable PNG or JPEG image (no decoder recognises its first bytes); " + HOW_TO_GET);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0), bytes = Files.size(file);
                long limit = Math.min(MAX_PIXELS, PIXELS_PER_FILE_BYTE * bytes);
                if (w < 1 || h < 1 || w * h > limit) {
                    throw new DataException(file + ": announces " + w + "x" + h + " pixels, expected at least 1x1 and at most " + limit
                            + " pixels for a " + bytes + "-byte file; " + HOW_TO_GET);
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new DataException(file + ": not a readable PNG or JPEG image; " + HOW_TO_GET);
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new DataException(file + ": not a readable PNG or JPEG image (" + oneLine(e) + "); " + HOW_TO_GET);
        } catch (DataException e) {
            throw e;
        } catch (RuntimeException e) {
            // ImageIO's decoders throw unchecked exceptions (IllegalArgumentException, IndexOutOfBounds…) on damaged data
            throw new DataException(file + ": damaged image (" + oneLine(e) + "); " + HOW_TO_GET);
        }
    }

    private static String oneLine(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }
}
