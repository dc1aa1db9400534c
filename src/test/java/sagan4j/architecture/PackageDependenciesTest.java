package sagan4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;

/**
 * The package graph of the compiled main classes, as the JDK's {@code jdeps} reads it from their constant pools
 * (the same as {@code jdeps -verbose:package -filter:none -e 'sagan4j\..*' target/classes}): no cycle among any
 * of the {@code sagan4j.*} packages, and the one-way rules of docs/architecture.md — the backends never see each
 * other, nothing sees {@code cli}, layers and models see no backend, no training and no CLI.
 */
class PackageDependenciesTest {
    /** Package → the other sagan4j packages its classes use. */
    private static final Map<String, Set<String>> GRAPH = new TreeMap<>();

    @BeforeAll
    static void readGraph() throws URISyntaxException {
        Path classes = Path.of(Backend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new IllegalStateException("no jdeps in this JDK (module jdk.jdeps)"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none", "-e",
                "sagan4j\\..*", classes.toString());
        assertEquals(0, rc, "jdeps failed: " + err);
        GRAPH.putAll(parse(out.toString()));
        assertTrue(GRAPH.keySet().containsAll(List.of("sagan4j.backend", "sagan4j.cuda", "sagan4j.cuda.runtime",
                "sagan4j.nn", "sagan4j.cli")), "jdeps read the main classes: " + GRAPH.keySet());
    }

    /** Lines "   sagan4j.a    -> sagan4j.b    classes" into a → {b, ...}, self edges dropped. */
    static Map<String, Set<String>> parse(String jdepsOutput) {
        Map<String, Set<String>> g = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^\\s+(sagan4j[\\w.]*)\\s+->\\s+(sagan4j[\\w.]*)\\s").matcher(jdepsOutput);
        while (m.find()) {
            g.computeIfAbsent(m.group(1), k -> new TreeSet<>());
            g.computeIfAbsent(m.group(2), k -> new TreeSet<>());
            if (!m.group(1).equals(m.group(2))) {
                g.get(m.group(1)).add(m.group(2));
            }
        }
        return g;
    }

    /** Every strongly connected component of more than one package (Tarjan), each sorted. */
    static List<Set<String>> cycles(Map<String, Set<String>> g) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        for (String v : g.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, g, index, low, stack, onStack, out);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> g, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, g, index, low, stack, onStack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                out.add(component);
            }
        }
    }

    /** The edges a → b where a satisfies {@code from} and b satisfies {@code to}, as "a -> b". */
    private static List<String> edges(java.util.function.Predicate<String> from, java.util.function.BiPredicate<String, String> to) {
        List<String> out = new ArrayList<>();
        GRAPH.forEach((a, bs) -> bs.stream().filter(b -> from.test(a) && to.test(a, b)).forEach(b -> out.add(a + " -> " + b)));
        return out;
    }

    private static boolean in(String pkg, String root) {
        return pkg.equals(root) || pkg.startsWith(root + ".");
    }

    /** The backend a package belongs to (reference, onednn, cuda with its sub-packages), or null. */
    private static String backendOf(String pkg) {
        for (String b : List.of("sagan4j.reference", "sagan4j.onednn", "sagan4j.cuda")) {
            if (in(pkg, b)) {
                return b;
            }
        }
        return null;
    }

    @Test
    void noPackageCycle() {
        assertEquals(List.of(), cycles(GRAPH), "package cycles (each set's packages import each other round)");
    }

    @Test
    void backendsNeverImportEachOther() {
        assertEquals(List.of(), edges(a -> backendOf(a) != null,
                (a, b) -> backendOf(b) != null && !backendOf(b).equals(backendOf(a))));
    }

    @Test
    void nothingImportsCli() {
        assertEquals(List.of(), edges(a -> !in(a, "sagan4j.cli"), (a, b) -> in(b, "sagan4j.cli")));
    }

    @Test
    void layersAndModelsSeeNoBackendTrainingOrCli() {
        assertEquals(List.of(), edges(a -> in(a, "sagan4j.nn") || in(a, "sagan4j.models"),
                (a, b) -> backendOf(b) != null || in(b, "sagan4j.host") || in(b, "sagan4j.train") || in(b, "sagan4j.cli")));
    }

    @Test
    void theCheckFindsACycleAndABackendEdge() {
        // the graph reader and Tarjan on a made-up jdeps output: a ↔ b ↔ c is one cycle, d → a is not in it
        Map<String, Set<String>> g = parse("""
                   sagan4j.a    -> sagan4j.b    classes
                   sagan4j.b    -> sagan4j.c    classes
                   sagan4j.c    -> sagan4j.a    classes
                   sagan4j.d    -> sagan4j.a    classes
                   sagan4j.d    -> sagan4j.d    classes
                """);
        assertEquals(List.of(Set.of("sagan4j.a", "sagan4j.b", "sagan4j.c")), cycles(g));
        assertEquals(List.of(), cycles(Map.of("sagan4j.d", Set.of("sagan4j.a"), "sagan4j.a", Set.of())));
        assertEquals("sagan4j.cuda", backendOf("sagan4j.cuda.runtime"));
        assertEquals(null, backendOf("sagan4j.cudax"));
    }
}
