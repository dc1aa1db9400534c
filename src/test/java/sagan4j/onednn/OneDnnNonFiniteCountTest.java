package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.NonFiniteCountContractTest;

/** countNonFinite on the oneDNN backend (device cpu). */
class OneDnnNonFiniteCountTest extends NonFiniteCountContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
