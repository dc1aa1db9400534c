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
 * tested examples in native-tests/java/sagan4j/examples, and every block of "Embedding the training step" one
 * of src/test/java/sagan4j/examples (run on the CPU) (lines compared with whitespace trimmed).
 */
class ReadmeExamplesTest {
    @Test
    void readmeSnippetsAreTestedCode() throws IOException {
        List<List<String>> blocks = javaBlocks("## Embedding the kernels");
        assertEquals(3, blocks.size(), "one snippet per headline kernel");
        assertEachIn(blocks, Path.of("native-tests/java/sagan4j/examples"));
    }

    @Test
    void readmeTrainingStepIsTestedCode() throws IOException {
        List<List<String>> blocks = javaBlocks("## Embedding the training step");
        assertEquals(2, blocks.size(), "the networks and optimizers, then the step");
        assertEachIn(blocks, Path.of("src/test/java/sagan4j/examples"));
    }

    /** The java code blocks of the README section under {@code heading}, lines trimmed. */
    private static List<List<String>> javaBlocks(String heading) throws IOException {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int from = readme.indexOf(heading);
        assertTrue(from >= 0, "README section " + heading);
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
        return blocks;
    }

    /** Fails naming the first block that is not a contiguous run of lines of one file in {@code dir}. */
    private static void assertEachIn(List<List<String>> blocks, Path dir) throws IOException {
        List<List<String>> examples = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                examples.add(Files.readAllLines(f).stream().map(String::strip).toList());
            }
        }
        for (List<String> b : blocks) {
            if (examples.stream().noneMatch(e -> java.util.Collections.indexOfSubList(e, b) >= 0)) {
                fail("README snippet is not in any tested example in " + dir + ": " + b);
            }
        }
    }
}
