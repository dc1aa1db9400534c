package sagan4j.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.io.AtomicFiles;
import sagan4j.io.Json;

/**
 * metrics.jsonl: one JSON object per logging interval, appended line by line. Kept in memory as well for
 * the loss-curve plot; on resume, lines after the checkpoint's step are dropped (they belong to the part of
 * the run that is being redone).
 *
 * <p>Each line, newline included, goes to the file in ONE {@code write} on a descriptor opened with
 * O_APPEND, so a killed process leaves whole lines: Linux copies a write page by page and stops only
 * between pages for a fatal signal, so only a line crossing a 4 KiB page boundary could in principle be
 * cut, and a power cut (lines are not forced) can lose the tail. A last line without its newline is a
 * cut one: {@link #resumeAt} drops it.
 */
final class Metrics {
    private final Path file;
    private final List<Map<String, Object>> rows = new ArrayList<>();

    Metrics(Path file) {
        this.file = file;
    }

    List<Map<String, Object>> rows() {
        return rows;
    }

    /** Reads the existing lines up to and including {@code step}, rewriting the file without the later ones. */
    @SuppressWarnings("unchecked")
    void resumeAt(long step) throws IOException {
        rows.clear();
        if (!Files.exists(file)) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        // a tail without its newline is a line cut by a kill or a power cut: not a finished line
        String whole = text.substring(0, text.lastIndexOf('\n') + 1);
        for (String line : whole.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> row;
            try {
                row = (Map<String, Object>) Json.parse(line);
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new sagan4j.io.CheckpointException(file + ": a line is not a JSON object (" + e.getMessage()
                        + "); expected metrics lines written by sagan4j train, got '" + abbreviate(line) + "'");
            }
            if (row.get("step") instanceof Number s && s.longValue() <= step) {
                rows.add(row);
                kept.append(line).append('\n');
            }
        }
        AtomicFiles.write(file, kept.toString().getBytes(StandardCharsets.UTF_8));
    }

    void append(Map<String, Object> row) throws IOException {
        rows.add(new LinkedHashMap<>(row));
        ByteBuffer bytes = ByteBuffer.wrap((line(row) + "\n").getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes); // one call for a whole line; the loop only finishes a short write
            }
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 60 ? line : line.substring(0, 60) + "...";
    }

    static String line(Map<String, Object> row) {
        return Json.write(row);
    }

    static String value(Object v) {
        return Json.write(v);
    }
}
