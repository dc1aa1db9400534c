package sagan4j.bench;

import java.util.List;

import sagan4j.backend.Backend;

/**
 * One kernel family's microbenchmark: its implementations (one of them the baseline composition it is
 * compared with), its default shapes, and how to set up inputs. The harness ({@link BenchRunner}) does
 * the timing; a case only issues work and states the bytes and FLOPs one call must move and do.
 */
public interface BenchCase {
    /** The name on the command line: {@code sagan4j bench NAME}. */
    String name();

    String description();

    /** The implementations available on this backend; the first is the default. */
    List<String> impls(Backend be);

    /** The implementation speed-ups are reported against (the baseline composition), or null for none. */
    String baseline(Backend be);

    /** The shapes benchmarked when none is given. */
    List<BenchShape> defaultShapes();

    /** Parses a {@code --shape} spec for this case. */
    BenchShape parseShape(String spec);

    /** Bytes of one input set of {@code shape}, to size the rotation. */
    long inputBytes(BenchShape shape);

    /**
     * Allocates {@code copies} independent input sets (rotated between calls so that L2 does not serve
     * them) and the outputs, filled with fresh random values.
     */
    Instance prepare(Backend be, BenchShape shape, int copies);

    /** Prepared inputs for one shape. */
    interface Instance extends AutoCloseable {
        /** Issues one call of {@code impl} on input set {@code copy}; does not wait for it. */
        void run(String impl, int copy);

        /** Bytes one call must read and write at least (the roofline's numerator), from an explicit formula. */
        long bytesMoved(String impl);

        /** Floating-point operations of one call (multiply-add = 2). */
        double flops(String impl);

        @Override
        void close();
    }
}
