package sagan4j.cuda.natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** One-line summaries of link errors, and what {@code /proc/self/maps} says is loaded. */
final class Diagnostics {

    private static final String ULE = "UnsatisfiedLinkError: ";

    private Diagnostics() {}

    /**
     * The dynamic linker's answer inside an {@link UnsatisfiedLinkError}, on one line. JCuda's
     * {@code LibUtils} wraps two nested stack traces in its message; the useful line is the last
     * {@code UnsatisfiedLinkError} that is not "no X in java.library.path".
     */
    static String linkError(Throwable t) {
        String msg = String.valueOf(t.getMessage());
        String best = null;
        for (String line : msg.split("\\R")) {
            int i = line.indexOf(ULE);
            if (i < 0) {
                continue;
            }
            String s = line.substring(i + ULE.length()).trim();
            if (s.contains("java.library.path") || s.startsWith("Can't load library")) {
                if (best == null) {
                    best = s;
                }
                continue;
            }
            best = s;
        }
        if (best == null) {
            best = msg.lines().filter(l -> !l.isBlank()).findFirst().orElse(t.getClass().getName()).trim();
        }
        return best;
    }

    /** Distinct file paths mapped into this process (empty when /proc is not there). */
    static Set<Path> mappedFiles() {
        Set<Path> out = new LinkedHashSet<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            String p = line.substring(slash);
            if (p.endsWith(" (deleted)")) {
                p = p.substring(0, p.length() - " (deleted)".length());
            }
            out.add(Path.of(p));
        }
        return out;
    }

    /** The first mapped file whose name satisfies {@code name}. */
    static Optional<Path> mapped(Predicate<String> name) {
        return mappedFiles().stream().filter(p -> p.getFileName() != null && name.test(p.getFileName().toString()))
                .findFirst();
    }
}
