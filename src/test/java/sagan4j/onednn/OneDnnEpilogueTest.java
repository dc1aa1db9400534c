package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.EpilogueContractTest;

/** The fused epilogues' contract on the oneDNN backend (device cpu). */
class OneDnnEpilogueTest extends EpilogueContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
