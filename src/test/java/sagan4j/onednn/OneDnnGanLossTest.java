package sagan4j.onednn;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossContractTest;

/** The GAN-loss family's contract on the oneDNN backend (device cpu). */
class OneDnnGanLossTest extends GanLossContractTest {
    @Override
    protected Backend backend() {
        return OneDnnTestBackend.CPU;
    }
}
