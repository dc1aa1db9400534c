package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormContractTest;

/** The shared CondBatchNormContract suite on the oneDNN backend (device cpu). */
class OneDnnCondBatchNormTest extends CondBatchNormContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
