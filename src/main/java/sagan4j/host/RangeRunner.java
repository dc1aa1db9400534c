package sagan4j.host;

/**
 * How a host backend splits an element loop over its threads: the reference over the common fork-join
 * pool, oneDNN's backend over its Java lanes (between oneDNN calls). Every index of [0, n) is run exactly
 * once; loops whose elements are independent give the same bits for any split.
 */
@FunctionalInterface
public interface RangeRunner {
    /** Elements below this stay on the calling thread: ~32k floats, where a fork costs less than the loop. */
    int GRAIN = 1 << 15;

    /** A loop body over the half-open range [from, to). */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /** body over [0, n), in shares of at least {@code grain} indices; on the caller alone when n is small. */
    void forRange(int n, int grain, Range body);
}
