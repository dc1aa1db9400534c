package sagan4j.reference;

import sagan4j.backend.Backend;
import sagan4j.backend.OptimContractTest;

/** The optimiser family's contract on the CPU reference. */
class ReferenceOptimTest extends OptimContractTest {
    private static final Backend CPU = new ReferenceBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
