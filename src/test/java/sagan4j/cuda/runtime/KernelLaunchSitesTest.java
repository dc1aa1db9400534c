package sagan4j.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every launch in {@code src/main/java} whose argument list is written in the call —
 * {@code launch("name", ..., KernelArgs.of().ptr(..).i32(..)...)} — matches the kernel's C signature, read from the
 * Java source without a GPU: a reordered list at such a site fails here. (Lists built over several statements are
 * checked when the native tests launch them, on a GPU or the emulator: {@link KernelLibrary#launch} checks every
 * launch.) A name written as {@code "prefix" + suffix} must match every packed kernel with that prefix.
 */
class KernelLaunchSitesTest {
    private static final Pattern LAUNCH = Pattern.compile("\\.(launch|launch1d|launchCooperative)\\(\\s*\"(\\w+)\"\\s*(\\+)?");
    private static final Pattern CHAIN_CALL = Pattern.compile("\\G\\s*\\.\\s*(ptr|i32|i64|f32)\\s*\\(");

    record Site(String where, String kernel, boolean prefix, List<KernelArgs.Kind> kinds) {
    }

    @Test
    void everyInlineArgumentListMatchesItsKernel() throws IOException {
        KernelSignatures signatures = KernelSignatures.packaged();
        List<Site> sites = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(f -> sites.addAll(sites(f)));
        }
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Site s : sites) {
            List<String> kernels = s.prefix()
                    ? signatures.kernels().stream().filter(k -> k.startsWith(s.kernel())).sorted().toList()
                    : List.of(s.kernel());
            if (kernels.isEmpty()) {
                wrong.add(s.where() + ": no packed kernel starts with " + s.kernel());
            }
            for (String k : kernels) {
                try {
                    signatures.check(k, s.kinds());
                    checked++;
                } catch (IllegalArgumentException e) {
                    wrong.add(s.where() + ": " + e.getMessage());
                }
            }
        }
        assertEquals(List.of(), wrong);
        // the scan must keep finding the sites (a change of the launch API would otherwise make it check nothing)
        assertTrue(sites.size() >= 40, "inline launch sites found: " + sites.size());
        assertTrue(checked >= sites.size());
    }

    /** The launches of one file whose KernelArgs chain starts inside the call. */
    static List<Site> sites(Path file) {
        String src;
        try {
            src = stripComments(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Site> out = new ArrayList<>();
        Matcher m = LAUNCH.matcher(src);
        while (m.find()) {
            int end = closing(src, src.indexOf('(', m.start()));
            String call = src.substring(m.start(), end);
            int of = call.indexOf("KernelArgs.of()");
            if (of < 0) {
                continue; // a list built before the call: checked at launch time only
            }
            List<KernelArgs.Kind> kinds = new ArrayList<>();
            int i = of + "KernelArgs.of()".length();
            Matcher c = CHAIN_CALL.matcher(call);
            while (c.find(i)) {
                kinds.add(KernelArgs.Kind.of(c.group(1)));
                i = closing(call, c.end() - 1);
            }
            int line = (int) src.substring(0, m.start()).chars().filter(ch -> ch == '\n').count() + 1;
            out.add(new Site(file + ":" + line, m.group(2), m.group(3) != null, kinds));
        }
        return out;
    }

    /** The index just past the parenthesis that closes the one at {@code open}, skipping string literals. */
    private static int closing(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"') {
                for (i++; s.charAt(i) != '"'; i++) {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                }
            } else if (ch == '(') {
                depth++;
            } else if (ch == ')' && --depth == 0) {
                return i + 1;
            }
        }
        throw new IllegalStateException("unbalanced parentheses from offset " + open);
    }

    /** Comments blanked, their line breaks kept (so that line numbers still point at the source); strings kept. */
    private static String stripComments(String s) {
        return Pattern.compile("(?s)\"(?:\\\\.|[^\"\\\\\\n])*\"|/\\*.*?\\*/|//[^\\n]*").matcher(s)
                .replaceAll(r -> Matcher.quoteReplacement(r.group().startsWith("\"") ? r.group()
                        : r.group().replaceAll("[^\\n]", " ")));
    }
}
