package sagan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streamed writer against the in-memory reader (an independent parser), across the 1 MiB buffer
 * boundary; the checksum catches a flipped bit and the reader names a truncated file.
 */
class StreamedSafeTensorsTest {
    @TempDir
    Path tmp;

    private static Map<String, NpyArray> tensors() {
        SplittableRandom rng = new SplittableRandom(9);
        float[] big = new float[300_001]; // 1.2 MB: crosses the buffer more than once, not at a float boundary of it
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) rng.nextGaussian();
        }
        Map<String, NpyArray> m = new LinkedHashMap<>();
        m.put("b.big", NpyArray.ofFloats(big, 300_001));
        m.put("a.ints", NpyArray.ofInts(new int[] {7, -1, 3}, 3));
        m.put("c.small", NpyArray.ofFloats(new float[] {1.5f, -2f}, 1, 2));
        return m;
    }

    @Test
    void roundTripsThroughTheOrdinaryReaderAndItself() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        Map<String, NpyArray> t = tensors();
        StreamedSafeTensors.write(f, t, Map.of("step", "12"));
        SafeTensors.Contents plain = SafeTensors.read(f), streamed = StreamedSafeTensors.read(f);
        for (SafeTensors.Contents c : new SafeTensors.Contents[] {plain, streamed}) {
            assertEquals("12", c.metadata().get("step"));
            assertEquals(64, c.metadata().get(StreamedSafeTensors.CHECKSUM_KEY).length());
            assertArrayEquals(t.get("b.big").floats(), c.tensors().get("b.big").floats());
            assertArrayEquals(t.get("a.ints").ints(), c.tensors().get("a.ints").ints());
            assertArrayEquals(new int[] {1, 2}, c.tensors().get("c.small").shape());
        }
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void aFlippedBitOrATruncatedFileIsRefusedInOneLine() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        StreamedSafeTensors.write(f, tensors(), Map.of());
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 1;
        Files.write(f, b);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> StreamedSafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f + ": fails its SHA-256 checksum"), e.getMessage());
        b[b.length / 2] ^= 1;
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 10));
        e = assertThrows(NpyFormatException.class, () -> StreamedSafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
    }
}
