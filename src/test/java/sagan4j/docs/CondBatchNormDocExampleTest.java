package sagan4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The embedding example in docs/kernels/cond-batchnorm.md is the code that CondBatchNormExampleNativeTest
 * runs: the doc's java block after "## Embedding" equals the region between the example markers of
 * CondBatchNormExample.java, line by line with whitespace trimmed.
 */
class CondBatchNormDocExampleTest {
    @Test
    void docBlockEqualsTheRunExample() throws Exception {
        String doc = Files.readString(Path.of("docs/kernels/cond-batchnorm.md"));
        String src = Files.readString(Path.of("native-tests/java/sagan4j/examples/CondBatchNormExample.java"));
        int section = doc.indexOf("## Embedding");
        assertTrue(section >= 0, "the doc has an Embedding section");
        int start = doc.indexOf("```java\n", section) + "```java\n".length();
        String block = doc.substring(start, doc.indexOf("```", start));
        String region = src.substring(src.indexOf("// example:begin") + "// example:begin".length(), src.indexOf("// example:end"));
        assertEquals(trimmed(region), trimmed(block));
    }

    private static List<String> trimmed(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
