package sagan4j.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import sagan4j.io.AtomicFiles;
import sagan4j.io.Json;

/**
 * metrics.jsonl: one JSON object per logging interval, appended and flushed line by line. Kept in memory
 * as well for the loss-curve plot; on resume, lines after the checkpoint's step are dropped (they belong to
 * the part of the run that is being redone).
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
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> row = (Map<String, Object>) Json.parse(line);
            if (((Number) row.get("step")).longValue() <= step) {
                rows.add(row);
                kept.append(line).append('\n');
            }
        }
        AtomicFiles.write(file, kept.toString().getBytes(StandardCharsets.UTF_8));
    }

    void append(Map<String, Object> row) throws IOException {
        rows.add(new LinkedHashMap<>(row));
        Files.writeString(file, line(row) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static String line(Map<String, Object> row) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : row.entrySet()) {
            sb.append(sb.length() > 1 ? "," : "").append(Json.quote(e.getKey())).append(':').append(value(e.getValue()));
        }
        return sb.append('}').toString();
    }

    @SuppressWarnings("unchecked")
    static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "null";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        if (v instanceof Map<?, ?> m) {
            return line((Map<String, Object>) m);
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : l) {
                sb.append(sb.length() > 1 ? "," : "").append(value(o));
            }
            return sb.append(']').toString();
        }
        return Json.quote(String.valueOf(v));
    }
}
