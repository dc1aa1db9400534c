package sagan4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Every java block of the README's "Embedding the kernels" section is a contiguous piece of one of the
 * tested examples in native-tests/java/sagan4j/examples (lines compared with whitespace trimmed).
 */
class ReadmeExamplesTest {
    @Test
    void readmeSnippetsAreTestedCode() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int from = readme.indexOf("## Embedding the kernels");
        assertTrue(from >= 0, "README section");
        List<List<String>> blocks = new ArrayList<>();
        for (int i = from + 1; i < readme.size() && !readme.get(i).startsWith("## "); i++) {
            if (readme.get(i).strip().equals("```java")) {
                List<String> b = new ArrayList<>();
                for (i++; !readme.get(i).strip().equals("```"); i++) {
                    b.add(readme.get(i).strip());
                }
                blocks.add(b);
            }
        }
        assertEquals(3, blocks.size(), "one snippet per headline kernel");
        List<List<String>> examples = new ArrayList<>();
        try (var files = Files.list(Path.of("native-tests/java/sagan4j/examples"))) {
            for (Path f : files.toList()) {
                examples.add(Files.readAllLines(f).stream().map(String::strip).toList());
            }
        }
        for (List<String> b : blocks) {
            if (examples.stream().noneMatch(e -> java.util.Collections.indexOfSubList(e, b) >= 0)) {
                fail("README snippet is not in any tested example: " + b);
            }
        }
    }
}
