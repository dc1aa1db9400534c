package sagan4j.data;

/**
 * Seeds derived from the run's seed, so that every random draw (the data order, a flip, a batch of latents)
 * is a function of the seed and a position alone: nothing to save in a checkpoint but the counters.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A seed for (seed, a, b): SplitMix64's finaliser over a combination, so nearby inputs give unrelated streams. */
    public static long mix(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
