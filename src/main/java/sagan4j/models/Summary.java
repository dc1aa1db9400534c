package sagan4j.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import sagan4j.nn.Module;

/** The layer table of a model as it was built: path, kind, output shape (without the batch), parameters. */
public final class Summary {
    /** One row. */
    public record Row(String path, String kind, int[] outShape, long params) {
        @Override
        public String toString() {
            return String.format("%-34s %-26s %-18s %,12d", path, kind, Arrays.toString(outShape), params);
        }
    }

    private final List<Row> rows = new ArrayList<>();

    /** Records a module with its output shape (per sample). */
    public void add(Module m, String kind, int... outShape) {
        rows.add(new Row(m.path(), kind, outShape, m.parameterCount()));
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public String table(String title, long total) {
        StringBuilder sb = new StringBuilder(title).append('\n');
        sb.append(String.format("%-34s %-26s %-18s %12s%n", "module", "kind", "output", "parameters"));
        rows.forEach(r -> sb.append(r).append('\n'));
        sb.append(String.format("%-80s %,12d%n", "total " + title, total));
        return sb.toString();
    }
}
