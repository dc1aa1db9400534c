package sagan4j.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import sagan4j.io.AtomicFiles;
import sagan4j.io.NpyArray;
import sagan4j.io.NpyFormatException;
import sagan4j.io.SafeTensors;
import sagan4j.io.StreamedSafeTensors;

/**
 * A run's checkpoints folder: {@code step-NNNNNNNN.safetensors} files (streamed, SHA-256 checked, atomic),
 * the last N kept, and {@code latest} — a one-line text file naming the newest — written after it.
 */
public final class Checkpoints {
    public static final String LATEST = "latest";
    /** Metadata key of a checkpoint written when --check-finite stopped the run: the stop's one-line message. */
    public static final String NONFINITE_KEY = "nonfinite";
    private final Path dir;

    public Checkpoints(Path dir) {
        this.dir = java.util.Objects.requireNonNull(dir, "Checkpoints: dir is null (expected the run's checkpoints folder)");
    }

    public Path dir() {
        return dir;
    }

    static String fileName(long step) {
        return String.format("step-%08d.safetensors", step);
    }

    /** Writes the checkpoint of {@code step}, points {@code latest} at it, then deletes all but the newest {@code keep}. */
    public Path save(long step, Map<String, NpyArray> tensors, Map<String, String> metadata, int keep) throws IOException {
        Path file = dir.resolve(fileName(step));
        StreamedSafeTensors.write(file, tensors, metadata);
        AtomicFiles.write(dir.resolve(LATEST), (file.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            Files.deleteIfExists(all.get(i));
        }
        return file;
    }

    /**
     * The final checkpoint of a run stopped by --check-finite: {@code step-N.nonfinite.safetensors} (N the step
     * in progress), its metadata carrying {@value #NONFINITE_KEY}. Its name keeps it out of {@link #list}, so
     * --resume, --run, {@code latest} and the pruning never take it; {@code sample --checkpoint} opens it
     * with a warning.
     */
    public Path saveNonFinite(long step, Map<String, NpyArray> tensors, Map<String, String> metadata, String message) throws IOException {
        Path file = dir.resolve(String.format("step-%08d.nonfinite.safetensors", step));
        Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
        meta.put(NONFINITE_KEY, message);
        StreamedSafeTensors.write(file, tensors, meta);
        return file;
    }

    /** The step in a checkpoint's file name ({@code step-NNNNNNNN...}). */
    static long stepOf(Path file) {
        return Long.parseLong(file.getFileName().toString().substring("step-".length(), "step-".length() + 8));
    }

    /** The checkpoints written at a --check-finite stop, oldest first. */
    public List<Path> nonFinite() throws IOException {
        return named("step-\\d{8}\\.nonfinite\\.safetensors");
    }

    /** Every checkpoint file, oldest first. */
    public List<Path> list() throws IOException {
        return named("step-\\d{8}\\.safetensors");
    }

    /** The files whose name matches {@code regex}, in name (= step) order. */
    private List<Path> named(String regex) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches(regex))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    /** A checkpoint that read and passed its checksum. */
    public record Loaded(Path file, SafeTensors.Contents contents) {
    }

    /**
     * The newest checkpoint (highest step) that passes its checksum; each one that fails is named in one
     * line on {@code log} and the previous one is tried. {@code latest} is not consulted: a process killed
     * after a checkpoint's rename but before {@code latest} was rewritten leaves a newer, complete file that
     * {@code latest} does not name yet. Temporary files of an interrupted write never match the file name.
     *
     * @return null when the folder holds no checkpoint
     */
    public Loaded newest(PrintStream log) throws IOException {
        java.util.Objects.requireNonNull(log, "Checkpoints.newest: log is null (expected a stream for the skipped-checkpoint lines)");
        List<Path> candidates = new ArrayList<>(list());
        for (int i = candidates.size() - 1; i >= 0; i--) {
            try {
                return new Loaded(candidates.get(i), StreamedSafeTensors.read(candidates.get(i), true));
            } catch (NpyFormatException e) {
                log.println("checkpoint skipped: " + e.getMessage() + (i > 0 ? "; using the previous one" : ""));
            }
        }
        return null;
    }
}
