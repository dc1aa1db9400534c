package sagan4j.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.ShapeException;
import sagan4j.backend.Tensor;

/** The reference's conditional batch norm beyond the shared contract (CondBatchNormContractTest): its label check. */
class ReferenceCondBatchNormTest {
    private static final Backend CPU = new ReferenceBackend();

    @Test
    void labelsOutsideTheTablesAreRejected() {
        try (Tensor x = CPU.zeros(2, 3, 2, 2); Tensor l = CPU.fromHost(new int[] {0, 4}, 2); Tensor g = CPU.zeros(4, 3);
             Tensor y = CPU.zeros(2, 3, 2, 2); Tensor m = CPU.zeros(3)) {
            assertEquals("condBatchNorm.forwardTraining: labels[1] is 4, expected a class in [0, 4)",
                    assertThrows(ShapeException.class,
                            () -> CPU.condBatchNorm().forwardTraining(x, l, g, g, 1e-5f, 0.1f, null, null, y, m, m)).getMessage());
        }
    }
}
