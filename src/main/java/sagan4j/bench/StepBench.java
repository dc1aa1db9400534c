package sagan4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.GraphCapture;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.runtime.DeviceCounters;
import sagan4j.data.Batch;
import sagan4j.models.GanConfig;
import sagan4j.onednn.OneDnnBackend;
import sagan4j.onednn.TimeSplit;
import sagan4j.train.TrainConfig;
import sagan4j.train.TrainSetup;
import sagan4j.train.TrainStep;

/**
 * {@code bench step}: training's own {@link TrainStep} (Adam included) timed — warm-up steps first (primitive creation, JIT), then the
 * median and minimum of the D step and of the G step over the timed steps, images/s of the whole step,
 * and the process's peak resident memory.
 */
public final class StepBench {
    private StepBench() {
    }

    /** One measured configuration. Times in milliseconds. */
    public record Result(String preset, int batch, String device, int steps, double dMedianMs, double gMedianMs,
                         double dMinMs, double gMinMs, long peakRssBytes, long gParams, long dParams, double[] splitMs,
                         DeviceCounters.Snapshot dCounts, DeviceCounters.Snapshot gCounts, String dCapture, String gCapture) {
        public double stepMs() {
            return dMedianMs + gMedianMs;
        }

        public double imagesPerSecond() {
            return batch * 1000.0 / stepMs();
        }

        public String toJson() {
            return String.format(Locale.ROOT, "{\"preset\":\"%s\",\"batch\":%d,\"device\":\"%s\",\"steps\":%d,"
                            + "\"d_step_median_ms\":%.3f,\"g_step_median_ms\":%.3f,\"d_step_min_ms\":%.3f,\"g_step_min_ms\":%.3f,"
                            + "\"step_ms\":%.3f,\"images_per_s\":%.2f,\"peak_rss_bytes\":%d,\"g_params\":%d,\"d_params\":%d}",
                    preset, batch, device.replace("\"", "'"), steps, dMedianMs, gMedianMs, dMinMs, gMinMs, stepMs(),
                    imagesPerSecond(), peakRssBytes, gParams, dParams).replaceFirst("}$", splitJson() + countsJson() + "}");
        }

        private String countsJson() {
            if (dCounts == null) {
                return "";
            }
            return ",\"d_step_counts\":" + json(dCounts) + ",\"g_step_counts\":" + json(gCounts)
                    + ",\"d_step_graph\":\"" + dCapture + "\",\"g_step_graph\":\"" + gCapture + "\"";
        }

        private static String json(DeviceCounters.Snapshot c) {
            return String.format(Locale.ROOT, "{\"kernels\":%d,\"library_calls\":%d,\"copies_to_device\":%d,"
                    + "\"copies_to_host\":%d,\"copies_on_device\":%d,\"syncs\":%d,\"allocations\":%d,\"graph_launches\":%d}",
                    c.kernels(), c.libraryCalls(), c.copiesToDevice(), c.copiesToHost(), c.copiesOnDevice(), c.syncs(),
                    c.allocations(), c.graphLaunches());
        }

        private String splitJson() {
            if (splitMs == null) {
                return "";
            }
            String[] keys = {"copies", "reorders", "convolutions", "gemms", "softmax", "java_and_other"};
            StringBuilder sb = new StringBuilder(",\"split_ms_per_step\":{");
            for (int i = 0; i < keys.length; i++) {
                sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "\"%s\":%.3f", keys[i], splitMs[i]));
            }
            return sb.append('}').toString();
        }
    }

    /** A preset by name (tiny, sagan32, biggan32, biggan128), or one line naming the choices. */
    public static GanConfig config(String preset) {
        return GanConfig.preset(preset);
    }

    /**
     * The step as training runs it ({@link TrainStep}: hinge loss, Adam with the TTUR settings, n_dis 1, the
     * whole batch at once), without EMA-G and the auxiliary classifier, which the PyTorch peer does not have either. Real images are fresh
     * uniform values in [−1, 1] each step; labels cycle through the classes.
     */
    static TrainConfig benchSettings(GanConfig cfg, int batch) {
        TrainConfig t = new TrainConfig();
        t.preset = cfg.preset();
        t.batch = batch;
        t.emaDecay = 0f;
        t.emaKimg = 0f;
        t.auxWeight = 0f; // nor the auxiliary classifier
        return t;
    }

    private static Batch realBatch(GanConfig cfg, int batch, SplittableRandom rng) {
        int per = cfg.imageChannels() * cfg.resolution() * cfg.resolution();
        float[] x = new float[batch * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % cfg.classes();
        }
        return new Batch(x, labels, 0, 0);
    }

    /** Wall milliseconds of {@code work}, the backend synchronised after it. */
    private static double timed(Backend be, Runnable work) {
        long t0 = System.nanoTime();
        work.run();
        be.synchronize();
        return (System.nanoTime() - t0) / 1e6;
    }

    public static Result run(Backend be, GanConfig cfg, int batch, int warmup, int steps) {
        SplittableRandom rng = new SplittableRandom(42);
        try (TrainStep step = TrainSetup.fromConfig(be, benchSettings(cfg, batch), cfg)) {
            for (int i = 0; i < warmup; i++) {
                step.dStep(realBatch(cfg, batch, rng));
                step.gStep(batch);
            }
            double[] dms = new double[steps], gms = new double[steps];
            TimeSplit split = be instanceof OneDnnBackend cpu ? cpu.timeSplit() : null;
            double[] before = split == null ? null : split.millis();
            double total = 0;
            boolean cuda = be instanceof CudaBackend;
            DeviceCounters.Snapshot dCounts = null, gCounts = null;
            for (int i = 0; i < steps; i++) {
                Batch real = realBatch(cfg, batch, rng);
                // the GPU work of the last timed step, counted (the step's own synchronize included): with CUDA
                // graphs, a replay once the warm-ups and captures are behind
                DeviceCounters.Snapshot c0 = DeviceCounters.snapshot();
                dms[i] = timed(be, () -> step.dStep(real));
                DeviceCounters.Snapshot c1 = DeviceCounters.snapshot();
                gms[i] = timed(be, () -> step.gStep(batch));
                if (cuda && i == steps - 1) {
                    dCounts = c1.minus(c0);
                    gCounts = DeviceCounters.snapshot().minus(c1);
                }
                total += dms[i] + gms[i];
            }
            double[] perStep = null;
            if (split != null) {
                double[] after = split.millis();
                perStep = new double[after.length + 1];
                double rest = total / steps;
                for (int i = 0; i < after.length; i++) {
                    perStep[i] = (after[i] - before[i]) / steps;
                    rest -= perStep[i];
                }
                perStep[after.length] = rest;
            }
            return new Result(cfg.preset(), batch, be.describe(), steps, BenchRunner.median(dms), BenchRunner.median(gms),
                    min(dms), min(gms), peakRss(), step.generator().parameterCount(), step.discriminator().parameterCount(),
                    perStep, dCounts, gCounts, report(be, step.dRegion(batch)), report(be, step.gRegion(batch)));
        }
    }

    /** Whether a step's region was captured (and its graph's nodes), as the backend says. */
    private static String report(Backend be, Object region) {
        GraphCapture graphs = be.graphs().orElse(null);
        String r = graphs == null ? null : graphs.report(region);
        return r != null ? r : graphs != null && graphs.enabled() ? "not run" : "not captured (CUDA graphs off)";
    }

    private static double min(double[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : a) {
            m = Math.min(m, v);
        }
        return m;
    }

    /** VmHWM of /proc/self/status (the process's peak resident set: heap, native buffers, libraries), or −1. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
