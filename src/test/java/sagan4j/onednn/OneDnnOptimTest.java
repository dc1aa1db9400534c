package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.OptimContractTest;

/** The shared OptimContract suite (Adam, the weight EMA) on the oneDNN backend (device cpu). */
class OneDnnOptimTest extends OptimContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
