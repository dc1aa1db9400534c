package sagan4j.cpu;

import sagan4j.backend.Backend;
import sagan4j.backend.OptimContractTest;

/** The optimiser family's contract on the CPU reference. */
class CpuOptimTest extends OptimContractTest {
    private static final Backend CPU = new CpuBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
