package sagan4j.data;

/**
 * One batch on the host, ready to upload: images (B, C, R, R) in [−1, 1], labels (B), and where it came
 * from in the data order (its epoch and its batch index within that epoch).
 */
public record Batch(float[] images, int[] labels, long epoch, int index) {
    public int size() {
        return labels.length;
    }
}
