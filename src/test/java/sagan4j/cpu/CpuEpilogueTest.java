package sagan4j.cpu;

import sagan4j.backend.Backend;
import sagan4j.backend.EpilogueContractTest;

/** The fused epilogues' contract on the CPU reference (there: the unfused ops one after the other). */
class CpuEpilogueTest extends EpilogueContractTest {
    private static final Backend CPU = new CpuBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
