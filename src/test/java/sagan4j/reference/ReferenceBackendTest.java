package sagan4j.reference;

import sagan4j.backend.Backend;
import sagan4j.backend.BackendContractTest;

/** The shared backend contract on the CPU reference. */
class ReferenceBackendTest extends BackendContractTest {
    private static final Backend CPU = new ReferenceBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
