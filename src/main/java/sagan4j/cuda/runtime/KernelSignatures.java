package sagan4j.cuda.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The parameter kinds of every packed kernel, as {@code kernels/build.sh} read them from each {@code extern "C"}
 * signature into {@code signatures.txt} beside the fatbin index (one kernel a line: its name, then {@code ptr},
 * {@code i32}, {@code i64} or {@code f32} per parameter). {@link #check} is what every launch of
 * {@link KernelLibrary} runs first: the driver takes the parameter array untyped, so an argument list out of
 * order with the C signature would otherwise be read as the wrong bytes on the GPU.
 */
public final class KernelSignatures {
    /** The resource kernels/build.sh writes beside {@link Fatbin#INDEX_RESOURCE}. */
    public static final String RESOURCE = Fatbin.RESOURCE_DIR + "signatures.txt";

    private static volatile KernelSignatures packaged;

    private final Map<String, List<KernelArgs.Kind>> kinds;

    private KernelSignatures(Map<String, List<KernelArgs.Kind>> kinds) {
        this.kinds = kinds;
    }

    /** The signatures packed with the kernels (read once). */
    public static KernelSignatures packaged() {
        KernelSignatures s = packaged;
        if (s == null) {
            try (InputStream in = KernelSignatures.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("sagan4j kernels are not packaged: " + RESOURCE
                            + " is not on the class path (kernels/build.sh writes it when the build runs with nvcc)");
                }
                s = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
            packaged = s;
        }
        return s;
    }

    /** Reads the text of a {@code signatures.txt}: lines "name kind..."; '#' starts a comment line. */
    public static KernelSignatures parse(String text) {
        Map<String, List<KernelArgs.Kind>> kinds = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new StringReader(text))) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] words = line.strip().split("\\s+");
                if (words[0].isEmpty() || words[0].startsWith("#")) {
                    continue;
                }
                List<KernelArgs.Kind> params = new ArrayList<>();
                for (int i = 1; i < words.length; i++) {
                    params.add(KernelArgs.Kind.of(words[i]));
                }
                if (kinds.put(words[0], List.copyOf(params)) != null) {
                    throw new IllegalArgumentException("kernel " + words[0] + " has two signatures in " + RESOURCE);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KernelSignatures(Collections.unmodifiableMap(kinds));
    }

    /** The parameter kinds of {@code kernel}; fails with its name when no packed kernel has that name. */
    public List<KernelArgs.Kind> of(String kernel) {
        List<KernelArgs.Kind> k = kinds.get(kernel);
        if (k == null) {
            throw new IllegalArgumentException("kernel " + kernel + " has no signature in " + RESOURCE
                    + " (no kernels/*.cu defines it, or the kernels were not rebuilt)");
        }
        return k;
    }

    /** Every kernel name with a signature. */
    public Set<String> kernels() {
        return kinds.keySet();
    }

    /**
     * Fails with one line — the kernel, the first argument (from 0) whose kind differs, the kind its C signature
     * expects and the kind given — when {@code args} does not match the signature of {@code kernel}, in kinds or in
     * count.
     */
    public void check(String kernel, KernelArgs args) {
        check(kernel, args.kinds());
    }

    /** {@link #check(String, KernelArgs)} on a list of kinds (what a launch site passes, in order). */
    public void check(String kernel, List<KernelArgs.Kind> given) {
        List<KernelArgs.Kind> expected = of(kernel);
        int n = Math.min(expected.size(), given.size());
        for (int i = 0; i < n; i++) {
            if (expected.get(i) != given.get(i)) {
                throw new IllegalArgumentException("kernel " + kernel + " argument " + i + ": expected " + expected.get(i)
                        + ", got " + given.get(i) + " (signature " + show(expected) + ", given " + show(given) + ")");
            }
        }
        if (expected.size() != given.size()) {
            throw new IllegalArgumentException("kernel " + kernel + " argument " + n + ": expected "
                    + (n < expected.size() ? expected.get(n) : "no more arguments") + ", got "
                    + (n < given.size() ? given.get(n) : "no more arguments") + " (signature " + show(expected)
                    + ", given " + show(given) + ")");
        }
    }

    private static String show(List<KernelArgs.Kind> kinds) {
        return kinds.stream().map(KernelArgs.Kind::toString).collect(Collectors.joining(", ", "(", ")"));
    }
}
