package sagan4j.reference;

import sagan4j.backend.Backend;
import sagan4j.backend.NonFiniteCountContractTest;

/** countNonFinite on the CPU reference. */
class ReferenceNonFiniteCountTest extends NonFiniteCountContractTest {
    private static final Backend CPU = new ReferenceBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
