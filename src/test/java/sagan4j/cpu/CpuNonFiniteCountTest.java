package sagan4j.cpu;

import sagan4j.backend.Backend;
import sagan4j.backend.NonFiniteCountContractTest;

/** countNonFinite on the CPU reference. */
class CpuNonFiniteCountTest extends NonFiniteCountContractTest {
    private static final Backend CPU = new CpuBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
