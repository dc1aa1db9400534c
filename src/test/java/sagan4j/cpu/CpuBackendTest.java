package sagan4j.cpu;

import sagan4j.backend.Backend;
import sagan4j.backend.BackendContractTest;

/** The shared backend contract on the CPU reference. */
class CpuBackendTest extends BackendContractTest {
    private static final Backend CPU = new CpuBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
