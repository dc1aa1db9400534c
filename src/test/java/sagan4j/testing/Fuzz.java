package sagan4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The harness of the seeded fuzz tests: byte mutators, and a worker thread that runs each case under a
 * time bound. The bound ({@value #HANG_SECONDS} s) only catches a hang; a case normally takes microseconds
 * to milliseconds, and nothing here measures speed.
 */
public final class Fuzz {
    public static final long HANG_SECONDS = 30;
    private static final Fuzz SHARED = new Fuzz();
    private ExecutorService worker = newWorker();

    private Fuzz() {
    }

    /** The one harness the fuzz tests share (a daemon worker thread, replaced after a hang). */
    public static Fuzz shared() {
        return SHARED;
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs one case: true if it finished, false if it failed in a way {@code clean} accepts; fails the
     * test on anything else (another exception, an Error such as OutOfMemoryError, or no answer in time).
     */
    public synchronized boolean run(String what, int c, Callable<?> body, Predicate<Throwable> clean) {
        Future<?> f = worker.submit(body);
        try {
            f.get(HANG_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker(); // the hung thread keeps the old one; later cases get a fresh one
            fail(what + " case " + c + ": no answer within " + HANG_SECONDS + " s (a hang)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (clean.test(t)) {
                return false;
            }
            throw new AssertionError(what + " case " + c + ": not a clean one-line error: " + t, t);
        }
        return false;
    }

    /** Accepts exactly {@code type} (or a subclass) with a one-line message that starts with {@code prefix}. */
    public static Predicate<Throwable> oneLine(Class<? extends Throwable> type, String prefix) {
        return t -> type.isInstance(t) && isOneLine(t.getMessage()) && t.getMessage().startsWith(prefix);
    }

    /** Non-empty, and free of line breaks and other control characters. */
    public static boolean isOneLine(String m) {
        return m != null && !m.isBlank() && m.chars().noneMatch(ch -> Character.isISOControl(ch) || ch == 0x2028 || ch == 0x2029);
    }

    /**
     * One of: truncation, 1-8 random byte changes, an absurd little-endian value in the length field at
     * {@code lengthAt} ({@code lengthBytes} wide), an absurd number in place of a run of ASCII digits.
     */
    public static byte[] mutate(byte[] base, SplittableRandom rng, int lengthAt, int lengthBytes) {
        byte[] b = base.clone();
        switch (rng.nextInt(4)) {
            case 0 -> b = Arrays.copyOf(base, rng.nextInt(base.length));
            case 1 -> flipBytes(b, rng);
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

    /** Sets 1-8 random bytes of {@code b} to random values, in place. */
    public static void flipBytes(byte[] b, SplittableRandom rng) {
        int k = 1 + rng.nextInt(8);
        for (int i = 0; i < k && b.length > 0; i++) {
            b[rng.nextInt(b.length)] = (byte) rng.nextInt(256);
        }
    }

    /** Big-endian int32 values a header may announce: zero, negative, huge, overflowing when multiplied. */
    public static final int[] ABSURD_INTS = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 65536, -65536, 46341};

    /** Writes {@code v} big-endian at {@code at} (as much of it as fits). */
    public static void putIntBE(byte[] b, int at, int v) {
        for (int i = 0; i < 4 && at + i < b.length; i++) {
            b[at + i] = (byte) (v >>> (24 - 8 * i));
        }
    }

    /** Replaces one run of digits among the first 256 bytes with an absurd number: huge, negative, overflowing. */
    public static byte[] replaceNumber(byte[] b, SplittableRandom rng) {
        return replaceNumber(b, rng, 256);
    }

    /** {@link #replaceNumber(byte[], SplittableRandom)} among the first {@code within} bytes. */
    public static byte[] replaceNumber(byte[] b, SplittableRandom rng, int within) {
        String text = new String(b, StandardCharsets.ISO_8859_1);
        List<int[]> runs = new ArrayList<>();
        int limit = Math.min(text.length(), within);
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
}
