package sagan4j.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import sagan4j.io.AtomicFiles;
import sagan4j.io.Json;

/**
 * DIR/results.json and DIR/results.md: per variant, over its finished seeds, the mean, standard deviation
 * (sample, n − 1; 0 for one run), minimum and maximum of the class accuracy, each class's accuracy, the
 * Fréchet distance (with the real-data scale beside it) and the steps reached. Computed from the lines of
 * runs.jsonl as they were read back, so the table is exactly what those lines say.
 */
final class Results {
    /** mean, std, min, max of a non-empty list. */
    record Spread(int n, double mean, double std, double min, double max) {
        static Spread of(List<Double> xs) {
            if (xs.isEmpty()) {
                return null;
            }
            double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (double x : xs) {
                sum += x;
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            double mean = sum / xs.size(), ss = 0;
            for (double x : xs) {
                ss += (x - mean) * (x - mean);
            }
            return new Spread(xs.size(), mean, xs.size() > 1 ? Math.sqrt(ss / (xs.size() - 1)) : 0, min, max);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mean", mean);
            m.put("std", std);
            m.put("min", min);
            m.put("max", max);
            return m;
        }
    }

    /** One variant's row. */
    record Row(SweepPlan.Variant variant, List<RunRecord> runs, Spread steps, Spread accuracy, Spread frechet, Spread frechetReal,
               List<Spread> perClass) {
    }

    private Results() {
    }

    static List<Row> rows(SweepPlan plan, List<SweepPlan.Run> runs, List<RunRecord> done) {
        List<Row> rows = new ArrayList<>();
        for (SweepPlan.Variant v : plan.variants()) {
            List<RunRecord> mine = new ArrayList<>();
            for (SweepPlan.Run r : runs) {
                if (r.variant().name().equals(v.name())) {
                    done.stream().filter(d -> d.matches(r)).findFirst().ifPresent(mine::add);
                }
            }
            List<Spread> perClass = new ArrayList<>();
            int classes = mine.stream().map(RunRecord::perClass).filter(p -> p != null).mapToInt(p -> p.length).max().orElse(0);
            for (int k = 0; k < classes; k++) {
                int kk = k;
                perClass.add(Spread.of(mine.stream().map(RunRecord::perClass).filter(p -> p != null && p.length > kk).map(p -> p[kk]).toList()));
            }
            rows.add(new Row(v, mine, Spread.of(mine.stream().map(r -> (double) r.steps()).toList()), spread(mine, r -> r.figure("accuracy")),
                    spread(mine, r -> r.figure("frechet")), spread(mine, r -> r.figure("frechet_real_train")), perClass));
        }
        return rows;
    }

    private static Spread spread(List<RunRecord> rs, Function<RunRecord, Double> f) {
        return Spread.of(rs.stream().map(f).filter(x -> x != null).toList());
    }

    static void write(Path dir, SweepPlan plan, List<SweepPlan.Run> runs, List<RunRecord> done) throws IOException {
        List<Row> rows = rows(plan, runs, done);
        List<Object> variants = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", r.variant().name());
            m.put("values", new LinkedHashMap<String, Object>(r.variant().values()));
            m.put("runs", (long) r.runs().size());
            m.put("seeds", r.runs().stream().map(RunRecord::seed).toList());
            m.put("steps", r.steps() == null ? null : r.steps().toMap());
            m.put("accuracy", r.accuracy() == null ? null : r.accuracy().toMap());
            m.put("accuracy_per_class", r.perClass().stream().map(Spread::toMap).toList());
            m.put("frechet", r.frechet() == null ? null : r.frechet().toMap());
            m.put("frechet_real_train", r.frechetReal() == null ? null : r.frechetReal().toMap());
            variants.add(m);
        }
        Map<String, Object> all = new LinkedHashMap<>(plan.toMap());
        all.put("variants", variants);
        AtomicFiles.write(dir.resolve("results.json"), (Json.write(all) + "\n").getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve("results.md"), markdown(plan, runs.size(), rows).getBytes(StandardCharsets.UTF_8));
    }

    private static String markdown(SweepPlan plan, int planned, List<Row> rows) {
        StringBuilder sb = new StringBuilder("# Sweep results\n\n");
        int finished = rows.stream().mapToInt(r -> r.runs().size()).sum();
        sb.append(String.format(Locale.ROOT, "%d of %d runs finished; --vary %s, %d seed(s). Each cell: mean ± std (min–max) over the seeds.%n%n",
                finished, planned, plan.vary().isEmpty() ? "(none)" : String.join(" --vary ", plan.vary().stream().map(Vary::toString).toList()),
                plan.seeds()));
        sb.append("| variant | runs | steps | accuracy % | Fréchet distance | real-data Fréchet |\n|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.variant().name()).append(" | ").append(r.runs().size()).append(" | ").append(cell(r.steps(), 1, "%.0f"))
                    .append(" | ").append(cell(r.accuracy(), 100, "%.1f")).append(" | ").append(cell(r.frechet(), 1, "%.3f"))
                    .append(" | ").append(cell(r.frechetReal(), 1, "%.3f")).append(" |\n");
        }
        int classes = rows.stream().mapToInt(r -> r.perClass().size()).max().orElse(0);
        if (classes > 0) {
            sb.append("\nAccuracy per class, %:\n\n| variant |");
            for (int k = 0; k < classes; k++) {
                sb.append(' ').append(k).append(" |");
            }
            sb.append("\n|---|").append("---:|".repeat(classes)).append('\n');
            for (Row r : rows) {
                sb.append("| ").append(r.variant().name()).append(" |");
                for (int k = 0; k < classes; k++) {
                    sb.append(' ').append(k < r.perClass().size() ? cell(r.perClass().get(k), 100, "%.0f") : "–").append(" |");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /** "mean ± std (min–max)" scaled by {@code scale}, or a dash without values. */
    static String cell(Spread s, double scale, String fmt) {
        if (s == null) {
            return "–";
        }
        return String.format(Locale.ROOT, fmt + " ± " + fmt + " (" + fmt + "–" + fmt + ")", s.mean() * scale, s.std() * scale,
                s.min() * scale, s.max() * scale);
    }
}
