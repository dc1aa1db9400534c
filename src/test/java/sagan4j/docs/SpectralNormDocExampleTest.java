package sagan4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The embedding example in docs/kernels/spectral-norm.md is the code that the native test runs
 * (native-tests/java/sagan4j/examples/SpectralNormExample.java, between the example markers), so the
 * documentation cannot drift from working code.
 */
class SpectralNormDocExampleTest {
    static List<String> trimmed(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (!l.isBlank()) {
                out.add(l.strip());
            }
        }
        return out;
    }

    /** The lines of the first ```java block after the heading that names the example. */
    static List<String> docBlock(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("#") && lines.get(i).contains("Embedding")) {
                start = i;
                break;
            }
        }
        List<String> block = new ArrayList<>();
        boolean in = false;
        for (int i = Math.max(0, start); i < lines.size(); i++) {
            String l = lines.get(i);
            if (!in && l.strip().equals("```java")) {
                in = true;
            } else if (in && l.strip().equals("```")) {
                break;
            } else if (in) {
                block.add(l);
            }
        }
        return block;
    }

    static List<String> exampleRegion(Path source) throws IOException {
        List<String> region = new ArrayList<>();
        boolean in = false;
        for (String l : Files.readAllLines(source)) {
            if (l.strip().equals("// example:begin")) {
                in = true;
            } else if (l.strip().equals("// example:end")) {
                break;
            } else if (in) {
                region.add(l);
            }
        }
        return region;
    }

    @Test
    void docExampleIsTheTestedExample() throws IOException {
        List<String> doc = trimmed(docBlock(Path.of("docs/kernels/spectral-norm.md")));
        List<String> code = trimmed(exampleRegion(Path.of("native-tests/java/sagan4j/examples/SpectralNormExample.java")));
        assertFalse(code.isEmpty(), "the example region is empty");
        assertEquals(String.join("\n", code), String.join("\n", doc));
    }
}
