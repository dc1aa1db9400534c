package sagan4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import sagan4j.testing.Fuzz;

/**
 * Seeded, bounded fuzzing of the file readers: valid files are truncated, byte-mutated, given absurd header
 * lengths and absurd numbers in their headers. Every case must either parse or fail with the reader's own
 * one-line {@link NpyFormatException} naming the file — never another exception, an error such as
 * OutOfMemoryError or StackOverflowError, or a hang ({@link Fuzz} bounds each case).
 */
class ReaderFuzzTest {
    /** Cases per reader; the README quotes the total. */
    public static final int CASES = 3000;
    private static final Fuzz fuzz = Fuzz.shared();

    @Test
    void npyReaderFailsCleanly() {
        List<byte[]> seeds = List.of(
                Npy.encode(NpyArray.ofFloats(new float[] {1, -2, 3.5f, 4, 5, 6}, 2, 3)),
                Npy.encode(NpyArray.ofInts(new int[] {7, 0, 3}, 3)),
                Npy.encode(NpyArray.ofFloats(new float[24], 2, 3, 2, 2)));
        int parsed = fuzz("npy", seeds, 11, b -> Npy.parse("case.npy", b), 10, 8);
        assertEquals(true, parsed < CASES, "some mutations must be rejected, or the mutator does nothing");
    }

    @Test
    void safetensorsReaderFailsCleanly() {
        Map<String, NpyArray> t = new LinkedHashMap<>();
        t.put("G.linear.weight", NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("G.bn.num_batches", NpyArray.ofInts(new int[] {42}, 1));
        List<byte[]> seeds = List.of(SafeTensors.encode(t, Map.of("format", "pt", "step", "12")),
                SafeTensors.encode(Map.of("x", NpyArray.ofFloats(new float[] {0.5f}, 1)), Map.of()));
        int parsed = fuzz("safetensors", seeds, 12, b -> SafeTensors.parse("case.safetensors", b), 0, 8);
        assertEquals(true, parsed < CASES, "some mutations must be rejected, or the mutator does nothing");
    }

    @Test
    void deeplyNestedJsonIsAnErrorNotAStackOverflow() {
        String deep = "[".repeat(200_000);
        byte[] header = deep.getBytes(StandardCharsets.UTF_8);
        byte[] file = new byte[8 + header.length];
        java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        System.arraycopy(header, 0, file, 8, header.length);
        fuzz.run("nested", 0, () -> SafeTensors.parse("case.safetensors", file), Fuzz.oneLine(NpyFormatException.class, "case."));
    }

    /**
     * Runs {@link #CASES} mutants of the seeds through {@code reader}; returns how many parsed.
     *
     * @param lengthAt    offset of the header-length field (npy: 8, safetensors: 0)
     * @param lengthBytes its width in bytes that may be overwritten
     */
    private static int fuzz(String what, List<byte[]> seeds, long seed, Function<byte[], Object> reader, int lengthAt,
                            int lengthBytes) {
        SplittableRandom rng = new SplittableRandom(seed);
        int parsed = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] base = seeds.get(rng.nextInt(seeds.size()));
            byte[] b = Fuzz.mutate(base, rng, lengthAt, lengthBytes);
            if (fuzz.run(what, c, () -> reader.apply(b), Fuzz.oneLine(NpyFormatException.class, "case."))) {
                parsed++;
            }
        }
        return parsed;
    }
}
