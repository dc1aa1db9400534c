package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.ConvContractTest;

/** The shared ConvContract suite on the oneDNN backend (device cpu). */
class OneDnnConvTest extends ConvContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
