package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.AttentionContractTest;

/** The shared AttentionContract suite on the oneDNN backend (device cpu). */
class OneDnnAttentionTest extends AttentionContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
