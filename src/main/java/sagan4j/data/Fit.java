package sagan4j.data;

/**
 * Brings one 8-bit CHW image to the model's (channels, resolution, resolution) in [−1, 1]: grey becomes
 * RGB by repetition, RGB becomes grey by the channel mean; an image no larger than the resolution is
 * centred and padded with −1 (black: Fashion-MNIST's 28×28 → 32×32), a larger one is resized bilinearly.
 * It draws nothing at random ({@link RandomFlip} adds the flips).
 */
public final class Fit implements Transform {
    private final int channels;
    private final int resolution;

    public Fit(int channels, int resolution) {
        if (channels != 1 && channels != 3) {
            throw new DataException("Fit: channels " + channels + " (expected 1 or 3)");
        }
        if (resolution < 1) {
            throw new DataException("Fit: resolution " + resolution + " (expected at least 1)");
        }
        this.channels = channels;
        this.resolution = resolution;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int resolution() {
        return resolution;
    }

    @Override
    public void apply(Example example, long drawSeed, float[] out, int offset) {
        write(example, out, offset);
    }

    /** Writes {@code example}, fitted, into {@code out} at {@code offset}. */
    public void write(Example example, float[] out, int offset) {
        int c = example.c(), h = example.h(), w = example.w(), r = resolution;
        byte[] px = example.pixels();
        boolean pad = h <= r && w <= r;
        int top = (r - h) / 2, left = (r - w) / 2;
        for (int oc = 0; oc < channels; oc++) {
            for (int y = 0; y < r; y++) {
                for (int x = 0; x < r; x++) {
                    double v;
                    if (pad) {
                        int iy = y - top, ix = x - left;
                        v = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : channelValue(px, c, h, w, oc, iy, ix);
                    } else {
                        v = bilinear(px, c, h, w, oc, (y + 0.5) * h / r - 0.5, (x + 0.5) * w / r - 0.5);
                    }
                    out[offset + (oc * r + y) * r + x] = (float) (v / 127.5 - 1);
                }
            }
        }
    }

    /** The pixel 0..255 of output channel oc: the channel itself, a repeated grey, or the mean of RGB. */
    private double channelValue(byte[] px, int c, int h, int w, int oc, int y, int x) {
        if (c == channels) {
            return px[(oc * h + y) * w + x] & 0xff;
        }
        if (c == 1) {
            return px[y * w + x] & 0xff;
        }
        double s = 0;
        for (int k = 0; k < c; k++) {
            s += px[(k * h + y) * w + x] & 0xff;
        }
        return s / c;
    }

    private double bilinear(byte[] px, int c, int h, int w, int oc, double fy, double fx) {
        fy = Math.max(0, Math.min(h - 1, fy));
        fx = Math.max(0, Math.min(w - 1, fx));
        int y0 = (int) fy, x0 = (int) fx, y1 = Math.min(h - 1, y0 + 1), x1 = Math.min(w - 1, x0 + 1);
        double ay = fy - y0, ax = fx - x0;
        return (1 - ay) * ((1 - ax) * channelValue(px, c, h, w, oc, y0, x0) + ax * channelValue(px, c, h, w, oc, y0, x1))
                + ay * ((1 - ax) * channelValue(px, c, h, w, oc, y1, x0) + ax * channelValue(px, c, h, w, oc, y1, x1));
    }
}
