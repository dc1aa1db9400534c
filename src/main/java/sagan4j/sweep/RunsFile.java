package sagan4j.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import sagan4j.io.AtomicFiles;
import sagan4j.io.CheckpointException;
import sagan4j.io.Json;

/**
 * DIR/runs.jsonl, one {@link RunRecord} per finished run. A line is added by rewriting the whole file
 * atomically (it is a few KiB per run), so a sweep killed at any moment leaves the lines of the runs that
 * had finished and no partial one.
 */
final class RunsFile {
    private final Path file;

    RunsFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    /** Every line (none when the file does not exist yet); a line that is not a run line is one error naming it. */
    @SuppressWarnings("unchecked")
    List<RunRecord> read() throws IOException {
        List<RunRecord> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                out.add(RunRecord.fromMap((Map<String, Object>) Json.parse(lines.get(i))));
            } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
                throw new CheckpointException(file + " line " + (i + 1) + ": not a run line written by sagan4j sweep ("
                        + e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
            }
        }
        return out;
    }

    /** The lines so far plus {@code r}, written atomically; returns them all as read back (what the tables are made of). */
    List<RunRecord> append(List<RunRecord> sofar, RunRecord r) throws IOException {
        List<RunRecord> all = new ArrayList<>(sofar);
        all.add(r);
        StringBuilder sb = new StringBuilder();
        for (RunRecord x : all) {
            sb.append(Json.write(x.toMap())).append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
        return read();
    }
}
