package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerPrimitivesContractTest;

/** The shared LayerPrimitivesContract suite on the oneDNN backend (device cpu). */
class OneDnnLayerPrimitivesTest extends LayerPrimitivesContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
