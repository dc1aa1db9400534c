package sagan4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The README's "Fuzzing:" line quotes the case counts the fuzz tests actually run. */
class ReadmeFuzzCountsTest {
    /** The fuzz tests are package-private classes; their counts are read by reflection. */
    private static int count(String className, String field) throws ReflectiveOperationException {
        java.lang.reflect.Field f = Class.forName(className).getDeclaredField(field);
        f.setAccessible(true);
        return f.getInt(null);
    }

    @Test
    void theReadmeQuotesTheCounts() throws IOException, ReflectiveOperationException {
        int npy = count("sagan4j.io.ReaderFuzzTest", "CASES");
        int ck = count("sagan4j.train.CheckpointFuzzTest", "FILE_CASES"), ptr = count("sagan4j.train.CheckpointFuzzTest", "POINTER_CASES");
        int restore = count("sagan4j.train.CheckpointFuzzTest", "RESTORE_CASES");
        int idx = count("sagan4j.data.DataReaderFuzzTest", "IDX_CASES"), cifar = count("sagan4j.data.DataReaderFuzzTest", "CIFAR_CASES");
        int png = count("sagan4j.data.DataReaderFuzzTest", "PNG_CASES"), config = count("sagan4j.train.ConfigFileFuzzTest", "CASES");
        int cli = count("sagan4j.cli.CliFuzzTest", "CASES");
        int total = 2 * npy + ck + ptr + restore + idx + cifar + png + config + cli;
        String want = "- Fuzzing: " + total + " cases: .npy " + npy + ", .safetensors " + npy + ", checkpoint files " + ck
                + " (+ `latest` pointer " + ptr + ", restore " + restore + "), idx/Fashion-MNIST " + idx + ", CIFAR-10 " + cifar
                + ", image folders (PNG) " + png + ", config JSON " + config + ", command lines " + cli + ".";
        List<String> lines = Files.readAllLines(Path.of("README.md")).stream().filter(l -> l.startsWith("- Fuzzing:")).toList();
        assertEquals(List.of(want), lines);
    }
}
