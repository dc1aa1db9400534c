package sagan4j.reference;

import sagan4j.backend.Backend;
import org.junit.jupiter.api.Nested;

import sagan4j.backend.ConvContractTest;

/** The convolution contract on the CPU reference (im2col + the double-accumulating GEMM). */
class ReferenceConvTest extends ConvContractTest {
    private static final Backend CPU = new ReferenceBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }

    /** The same contract with a column limit so small that every batch runs one image at a time. */
    @Nested
    class Chunked extends ConvContractTest {
        private final ReferenceBackend chunked = new ReferenceBackend(1);

        @Override
        protected Backend backend() {
            return chunked;
        }
    }
}
