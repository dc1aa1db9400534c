package sagan4j.train;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import sagan4j.io.AtomicFiles;

/** A PNG grid of images (N, C, H, W) in [−1, 1], row-major, {@code cols} per row, 2-pixel gaps. */
public final class ImageGrid {
    private ImageGrid() {
    }

    public static void write(Path png, float[] images, int n, int c, int h, int w, int cols) throws IOException {
        int rows = (n + cols - 1) / cols, gap = 2;
        BufferedImage img = new BufferedImage(cols * (w + gap) + gap, rows * (h + gap) + gap, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < n; i++) {
            int ox = gap + (i % cols) * (w + gap), oy = gap + (i / cols) * (h + gap), base = i * c * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = 0;
                    for (int k = 0; k < 3; k++) {
                        float v = images[base + ((c == 1 ? 0 : k) * h + y) * w + x];
                        int b = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5f)));
                        rgb = rgb << 8 | b;
                    }
                    img.setRGB(ox + x, oy + y, rgb);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        AtomicFiles.write(png, out.toByteArray());
    }
}
