package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Run-to-run determinism of the CUDA kernels rests on one rule the README promises: no atomic read-modify-write
 * anywhere in kernels/ (float atomics make a sum's order, and so its rounding, depend on scheduling). This
 * reads the sources, outside comments, and fails on any atomic call, so that the promise cannot silently lapse.
 */
class NoAtomicsInKernelsTest {
    private static final Pattern ATOMIC = Pattern.compile("\\batomic[A-Z][A-Za-z_]*\\s*\\(");

    @Test
    void noKernelSourceCallsAnAtomic() throws IOException {
        List<String> hits = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.list(Path.of("kernels"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")).sorted().toList()) {
                files++;
                Matcher m = ATOMIC.matcher(withoutComments(Files.readString(p)));
                while (m.find()) {
                    hits.add(p.getFileName() + ": " + m.group());
                }
            }
        }
        assertTrue(files >= 8, "expected the kernel sources under kernels/, found " + files);
        assertEquals(List.of(), hits, "atomics make results depend on scheduling");
    }

    @Test
    void theScannerSeesAnAtomicOutsideComments() {
        assertTrue(ATOMIC.matcher(withoutComments("x = 1; atomicAdd(&s, v); // atomicMax(")).find());
        assertTrue(!ATOMIC.matcher(withoutComments("/* atomicAdd(&s, v) */ // atomicCAS(\n y = 2;")).find());
    }

    static String withoutComments(String src) {
        return src.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    }
}
