package sagan4j.reference;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossContractTest;

/** The GAN-loss family's contract on the CPU reference. */
class ReferenceGanLossTest extends GanLossContractTest {
    private static final Backend CPU = new ReferenceBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
