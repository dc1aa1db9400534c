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

import sagan4j.backend.OneLine;
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

    /** Every checkpoint file, oldest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{8}\\.safetensors"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    /**
     * The file name {@code latest} holds, or null when there is none or it cannot be read (a folder, more
     * than 4 KiB): then the newest file that passes its checksum is used, as when the pointer is missing.
     */
    private String pointed() {
        Path pointer = dir.resolve(LATEST);
        try {
            if (!Files.isRegularFile(pointer) || Files.size(pointer) > 4096) {
                return null;
            }
            return new String(Files.readAllBytes(pointer), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /** A checkpoint that read and passed its checksum. */
    public record Loaded(Path file, SafeTensors.Contents contents) {
    }

    /**
     * The newest checkpoint that passes its checksum: the one {@code latest} names, else the newest file;
     * each one that fails is named in one line on {@code log} and the previous one is tried.
     *
     * @return null when the folder holds no checkpoint
     */
    public Loaded newest(PrintStream log) throws IOException {
        java.util.Objects.requireNonNull(log, "Checkpoints.newest: log is null (expected a stream for the skipped-checkpoint lines)");
        List<Path> candidates = new ArrayList<>(list());
        String named = pointed();
        if (named != null) {
            // only a name among the checkpoint files counts: a damaged pointer cannot lead outside the folder
            Path file = candidates.stream().filter(p -> p.getFileName().toString().equals(named)).findFirst().orElse(null);
            if (file != null) {
                candidates.remove(file);
                candidates.add(file);
            } else {
                log.println(OneLine.of("checkpoint pointer " + dir.resolve(LATEST) + " names '" + OneLine.clip(named)
                        + "', which is not one of the checkpoint files; using the newest file"));
            }
        }
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
