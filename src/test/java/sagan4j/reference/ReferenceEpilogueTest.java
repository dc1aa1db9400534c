package sagan4j.reference;

import sagan4j.backend.Backend;
import sagan4j.backend.EpilogueContractTest;

/** The fused epilogues' contract on the CPU reference (there: the unfused ops one after the other). */
class ReferenceEpilogueTest extends EpilogueContractTest {
    private static final Backend CPU = new ReferenceBackend();

    @Override
    protected Backend backend() {
        return CPU;
    }
}
