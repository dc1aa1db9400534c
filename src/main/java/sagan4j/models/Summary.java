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

    /**
     * Every module below {@code root} after a forward pass: path (indented by depth), class, the output
     * shape of that forward without the batch dimension ("-" for modules that keep no output of their
     * own), and the parameters of the module and everything below it.
     */
    public static String layers(Module root) {
        StringBuilder sb = new StringBuilder();
        for (Module m : root.children()) {
            layers(m, 0, sb);
        }
        return sb.toString();
    }

    private static void layers(Module m, int depth, StringBuilder sb) {
        // a wrapper that shares its child's path (a conditional norm around its batch norm) is shown once
        boolean wrapper = m.children().stream().anyMatch(c -> c.path().equals(m.path()));
        if (!wrapper) {
            int[] shape = m.lastOutputShape();
            String out = shape == null ? "-" : Arrays.toString(Arrays.copyOfRange(shape, 1, shape.length));
            sb.append(String.format("%-48s %-22s %-18s %,12d%n", "  ".repeat(depth) + m.path(),
                    m.getClass().getSimpleName(), out, m.parameterCount()));
        }
        for (Module c : m.children()) {
            layers(c, wrapper ? depth : depth + 1, sb);
        }
    }

    public String table(String title, long total) {
        StringBuilder sb = new StringBuilder(title).append('\n');
        sb.append(String.format("%-34s %-26s %-18s %12s%n", "module", "kind", "output", "parameters"));
        rows.forEach(r -> sb.append(r).append('\n'));
        sb.append(String.format("%-80s %,12d%n", "total " + title, total));
        return sb.toString();
    }
}
