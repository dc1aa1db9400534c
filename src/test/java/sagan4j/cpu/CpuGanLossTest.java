package sagan4j.cpu;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossContractTest;

/** The GAN-loss family's contract on the CPU reference. */
class CpuGanLossTest extends GanLossContractTest {
    private static final Backend CPU = new CpuBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
