package sagan4j.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * A folder with one sub-folder per class (sorted by name: class 0 is the first), holding PNG or JPEG
 * images read through ImageIO, each scaled to {@code size}×{@code size} RGB on loading. Every tenth image
 * (in sorted file order) is the held-out split.
 */
public final class ImageFolder {
    static final String HOW_TO_GET = "expected DIR/<class>/*.png|jpg, one sub-folder per class";

    private ImageFolder() {
    }

    public static ImageSet read(Path dir, int size, boolean train) {
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
        byte[] pixels = new byte[n * per];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            BufferedImage img;
            try {
                img = ImageIO.read(files.get(i).toFile());
            } catch (IOException e) {
                img = null;
            }
            if (img == null) {
                throw new DataException(files.get(i) + ": not a readable PNG or JPEG image; " + HOW_TO_GET);
            }
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

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }
}
