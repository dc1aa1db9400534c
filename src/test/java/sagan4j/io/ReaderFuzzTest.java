package sagan4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded, bounded fuzzing of the file readers: valid files are truncated, byte-mutated, given absurd header
 * lengths and absurd numbers in their headers. Every case must either parse or fail with the reader's own
 * one-line {@link NpyFormatException} naming the file — never another exception, an error such as
 * OutOfMemoryError or StackOverflowError, or a hang. The time bound per case (30 s) is only there to catch a
 * hang; a case normally takes microseconds.
 */
class ReaderFuzzTest {
    /** Cases per reader; the README quotes the total. */
    static final int CASES = 3000;
    private static final long HANG_SECONDS = 30;
    private static ExecutorService worker;

    @BeforeAll
    static void start() {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

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
        runCase("nested", 0, () -> SafeTensors.parse("case.safetensors", file));
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
            byte[] b = mutate(base, rng, lengthAt, lengthBytes);
            if (runCase(what, c, () -> reader.apply(b))) {
                parsed++;
            }
        }
        return parsed;
    }

    /** One of: truncation, random byte changes, an absurd header length, an absurd number in the header. */
    static byte[] mutate(byte[] base, SplittableRandom rng, int lengthAt, int lengthBytes) {
        byte[] b = base.clone();
        switch (rng.nextInt(4)) {
            case 0 -> b = java.util.Arrays.copyOf(base, rng.nextInt(base.length));
            case 1 -> {
                int k = 1 + rng.nextInt(8);
                for (int i = 0; i < k; i++) {
                    b[rng.nextInt(b.length)] = (byte) rng.nextInt(256);
                }
            }
            case 2 -> {
                long[] absurd = {0, 1, -1, Integer.MAX_VALUE, 1L << 31, Long.MAX_VALUE, Long.MIN_VALUE, b.length, b.length - 9};
                long v = absurd[rng.nextInt(absurd.length)];
                for (int i = 0; i < lengthBytes && lengthAt + i < b.length; i++) {
                    b[lengthAt + i] = (byte) (v >>> (8 * i));
                }
            }
            default -> b = replaceNumber(b, rng);
        }
        return b;
    }

    /** Replaces one run of digits in the (ASCII) header with an absurd number: huge, negative, overflowing. */
    private static byte[] replaceNumber(byte[] b, SplittableRandom rng) {
        String text = new String(b, StandardCharsets.ISO_8859_1);
        List<int[]> runs = new ArrayList<>();
        int limit = Math.min(text.length(), 256);
        for (int i = 0; i < limit; i++) {
            if (Character.isDigit(text.charAt(i)) && (i == 0 || !Character.isDigit(text.charAt(i - 1)))) {
                int j = i;
                while (j < limit && Character.isDigit(text.charAt(j))) {
                    j++;
                }
                runs.add(new int[] {i, j});
            }
        }
        if (runs.isEmpty()) {
            return b;
        }
        String[] absurd = {"-1", "0", "2147483647", "2147483648", "4294967296", "9223372036854775807",
            "99999999999999999999999", "-9223372036854775808", "1e400", "3.5"};
        int[] r = runs.get(rng.nextInt(runs.size()));
        String mutated = text.substring(0, r[0]) + absurd[rng.nextInt(absurd.length)] + text.substring(r[1]);
        return mutated.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** True if the case parsed, false if it failed cleanly; fails the test on anything else. */
    private static boolean runCase(String what, int c, java.util.concurrent.Callable<Object> body) {
        Future<Object> f = worker.submit(body);
        try {
            f.get(HANG_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            f.cancel(true);
            fail(what + " case " + c + ": no answer within " + HANG_SECONDS + " s (a hang)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof NpyFormatException && t.getMessage() != null && !t.getMessage().contains("\n")
                    && t.getMessage().startsWith("case.")) {
                return false;
            }
            throw new AssertionError(what + " case " + c + ": expected a one-line NpyFormatException naming the file, got " + t, t);
        }
        return false;
    }
}
