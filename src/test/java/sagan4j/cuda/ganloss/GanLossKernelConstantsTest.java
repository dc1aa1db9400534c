package sagan4j.cuda.ganloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sagan4j.testing.KernelSource.javaConstant;

import org.junit.jupiter.api.Test;

import sagan4j.testing.KernelSource;

/** The block size Java launches gan_loss_f32 with is the one its one-block reduction is written for. */
class GanLossKernelConstantsTest {
    @Test
    void blockSize() {
        assertEquals(KernelSource.of("gan_loss.cu").define("GAN_LOSS_BLOCK"), javaConstant(CudaGanLoss.class, "BLOCK"));
    }
}
