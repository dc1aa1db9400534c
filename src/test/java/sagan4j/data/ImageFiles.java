package sagan4j.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import sagan4j.testing.Fuzz;

/** Small PNG files for the image-folder tests, and PNGs whose header announces an absurd size. */
final class ImageFiles {
    private ImageFiles() {
    }

    /** A w×h PNG of random colours (with alpha: ARGB, else RGB). */
    static byte[] png(int w, int h, SplittableRandom rng, boolean alpha) {
        BufferedImage img = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rng.nextInt());
            }
        }
        return encode(img);
    }

    static byte[] encode(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The PNG with its IHDR width and/or height (big-endian at bytes 16 and 20) replaced by absurd values. */
    static byte[] absurdSize(byte[] png, SplittableRandom rng) {
        byte[] b = png.clone();
        int[] absurd = {0, -1, Integer.MAX_VALUE, 1 << 30, 65536, 46341, 30000, 20000, 100000};
        int which = rng.nextInt(3);
        if (which != 1) {
            Fuzz.putIntBE(b, 16, absurd[rng.nextInt(absurd.length)]);
        }
        if (which != 0) {
            Fuzz.putIntBE(b, 20, absurd[rng.nextInt(absurd.length)]);
        }
        return b;
    }
}
