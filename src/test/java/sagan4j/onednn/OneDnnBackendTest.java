package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.BackendContractTest;

/** The shared BackendContract suite on the oneDNN backend (device cpu). */
class OneDnnBackendTest extends BackendContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
