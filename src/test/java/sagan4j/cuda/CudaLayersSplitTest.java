package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the bias gradient splits channels over blocks (no GPU needed); worked by hand from CudaLayers' rule. */
class CudaLayersSplitTest {
    @ParameterizedTest(name = "C={0} values/channel={1} SMs={2} -> {3} blocks per channel")
    @CsvSource({
        "3, 4194304, 132, 176",   // the output conv at 128x128, B 256: 3 blocks before, 3 x 176 = 528 now
        "1, 16384, 4, 16",        // the emulator's 4 SMs: 16 blocks
        "1, 5000, 132, 4",        // at least 4 values per thread (1024 per block): 5000 values give 4 blocks
        "300, 20, 132, 1",        // many channels, tiny planes: one block each, one pass
        "600, 1000000, 132, 1",   // channels alone fill the GPU
        "1, 1, 132, 1",
    })
    void biasSplits(int channels, long perChannel, int sms, int splits) {
        assertEquals(splits, CudaLayers.biasSplits(channels, perChannel, sms));
    }
}
