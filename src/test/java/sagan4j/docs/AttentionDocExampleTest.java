package sagan4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The embedding example in docs/kernels/attention.md is the code that AttentionExampleNativeTest runs: the
 * doc's code block under "## Embedding" equals the region between {@code // example:begin} and
 * {@code // example:end} of native-tests/java/sagan4j/examples/AttentionExample.java, line by line with
 * surrounding whitespace trimmed.
 */
class AttentionDocExampleTest {
    @Test
    void docExampleIsTheTestedCode() throws IOException {
        List<String> doc = codeBlockAfter(Files.readAllLines(Path.of("docs/kernels/attention.md")), "## Embedding");
        List<String> source = region(Files.readAllLines(Path.of("native-tests/java/sagan4j/examples/AttentionExample.java")));
        assertTrue(source.size() > 10, "example region found: " + source);
        assertEquals(source, doc);
    }

    private static List<String> codeBlockAfter(List<String> lines, String heading) {
        int i = lines.indexOf(heading);
        assertTrue(i >= 0, "heading " + heading);
        while (!lines.get(i).strip().equals("```java")) {
            i++;
        }
        List<String> out = new ArrayList<>();
        for (i++; !lines.get(i).strip().equals("```"); i++) {
            out.add(lines.get(i).strip());
        }
        return out;
    }

    private static List<String> region(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String l : lines) {
            if (l.strip().equals("// example:end")) {
                break;
            }
            if (in) {
                out.add(l.strip());
            }
            if (l.strip().equals("// example:begin")) {
                in = true;
            }
        }
        return out;
    }
}
