package sagan4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import sagan4j.backend.Backend;
import sagan4j.models.GanConfig;

/**
 * {@code bench step}: a {@link TrainStep} timed — warm-up steps first (primitive creation, JIT), then the
 * median and minimum of the D step and of the G step over the timed steps, images/s of the whole step,
 * and the process's peak resident memory.
 */
public final class StepBench {
    private StepBench() {
    }

    /** One measured configuration. Times in milliseconds. */
    public record Result(String preset, int batch, String device, int steps, double dMedianMs, double gMedianMs,
                         double dMinMs, double gMinMs, long peakRssBytes, long gParams, long dParams) {
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
                    imagesPerSecond(), peakRssBytes, gParams, dParams);
        }
    }

    /**
     * The presets, plus {@code tiny}: a SAGAN-style 32×32 model at a quarter of the width (ch 16), small
     * enough for a quick run of the whole path.
     */
    public static GanConfig config(String preset) {
        if (preset.equalsIgnoreCase("tiny")) {
            return new GanConfig("tiny", GanConfig.Blocks.SEED, false, 32, 3, 10, 16, 32, 0, 16, 16, true, true, 0f, false, 1);
        }
        return GanConfig.preset(preset);
    }

    public static Result run(Backend be, GanConfig cfg, int batch, int warmup, int steps) {
        try (TrainStep step = new TrainStep(be, cfg, batch)) {
            for (int i = 0; i < warmup; i++) {
                step.dStep();
                step.gStep();
            }
            double[] dms = new double[steps], gms = new double[steps];
            for (int i = 0; i < steps; i++) {
                dms[i] = step.dStep();
                gms[i] = step.gStep();
            }
            return new Result(cfg.preset(), batch, be.describe(), steps, BenchRunner.median(dms), BenchRunner.median(gms),
                    min(dms), min(gms), peakRss(), step.generator().parameterCount(), step.discriminator().parameterCount());
        }
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
