package sagan4j.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.ShapeException;
import sagan4j.backend.Tensor;

/** The reference's layer primitives beyond the shared contract (LayerPrimitivesContractTest): the label check only the CPU can make synchronously. */
class ReferenceLayerPrimitivesTest {
    private static final Backend CPU = new ReferenceBackend();

    @Test
    void labelsOutOfRangeAreRejected() {
        try (Tensor table = CPU.zeros(3, 2); Tensor labels = CPU.fromHost(new int[] {0, 3}, 2); Tensor out = CPU.zeros(2, 2)) {
            ShapeException e = assertThrows(ShapeException.class, () -> CPU.layers().gatherRows(table, labels, out));
            assertEquals("gatherRows: labels[1] is 3, expected a value in [0, 3)", e.getMessage());
        }
    }
}
