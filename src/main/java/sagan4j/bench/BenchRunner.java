package sagan4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.DeviceCounters;

/**
 * Times benchmark cases: the device's copy bandwidth first (the roofline every kernel is compared
 * with, measured in the same run), then for each shape and implementation a warm-up, then many calls
 * each between its own pair of timer marks (CUDA events on the GPU), inputs rotated, the median kept.
 */
public final class BenchRunner {
    /** Rotate inputs until this many bytes separate two uses of the same set (2.5× an H100's 50 MB L2). */
    static final long ROTATION_BYTES = 128L << 20;
    static final int MAX_COPIES = 64;

    private final Backend be;
    private final int warmup;
    private final int iters;

    public BenchRunner(Backend be, int warmup, int iters) {
        if (warmup < 0 || iters < 1) {
            throw new IllegalArgumentException("warmup must be >= 0 and iters >= 1, got " + warmup + ", " + iters);
        }
        this.be = be;
        this.warmup = warmup;
        this.iters = iters;
    }

    /** Device-to-device copy bandwidth in GB/s (read + write bytes over time) of a {@code bytes}-sized copy. */
    public double copyBandwidth(long bytes) {
        int n = (int) (bytes / 4);
        try (Tensor a = be.empty(DType.FLOAT32, n); Tensor b = be.empty(DType.FLOAT32, n); Backend.Timer t = be.timer()) {
            be.fill(a, 1f);
            double[] ms = new double[Math.max(5, iters / 5)];
            for (int i = 0; i < 3; i++) {
                be.copy(a, b);
            }
            for (int i = 0; i < ms.length; i++) {
                t.start();
                be.copy(a, b);
                t.stop();
                ms[i] = t.elapsedMillis();
            }
            return 2.0 * n * 4 / (median(ms) * 1e6);
        }
    }

    /** Measures every (shape, impl) of a case; {@code impls} empty means all the backend has. */
    public List<BenchResult> run(BenchCase c, List<BenchShape> shapes, List<String> impls, double copyGbPerS) {
        List<String> available = c.impls(be);
        List<String> chosen = impls.isEmpty() ? available : impls;
        for (String impl : chosen) {
            if (!available.contains(impl)) {
                throw new sagan4j.ops.OpInputException("--impl: " + c.name() + " on " + be.name() + " has "
                        + available + ", not '" + impl + "'");
            }
        }
        String baseline = c.baseline(be);
        List<BenchResult> out = new ArrayList<>();
        for (BenchShape shape : shapes) {
            List<BenchResult> rows = new ArrayList<>();
            double baselineMs = Double.NaN;
            List<String> timed = new ArrayList<>(chosen);
            if (baseline != null && !timed.contains(baseline)) {
                timed.add(baseline); // the speed-up needs it, measured in the same run
            }
            long per = Math.max(1, c.inputBytes(shape));
            int copies = (int) Math.min(MAX_COPIES, Math.max(1, (ROTATION_BYTES + per - 1) / per));
            try (BenchCase.Instance use = c.prepare(be, shape, copies)) {
                for (String impl : timed) {
                    DeviceCounters.Snapshot before = DeviceCounters.snapshot();
                    double[] ms = time(use, impl, copies);
                    // warm-up and timed calls alike queue the same work: the counts per call are exact
                    double launches = (double) DeviceCounters.snapshot().minus(before).launches() / (warmup + iters);
                    double med = median(ms);
                    double min = Arrays.stream(ms).min().orElse(med);
                    if (impl.equals(baseline)) {
                        baselineMs = med;
                    }
                    long bytes = use.bytesMoved(impl);
                    double gbs = bytes / (med * 1e6);
                    rows.add(new BenchResult(c.name(), shape.toString(), impl, ms.length, med, min, bytes,
                            use.flops(impl), gbs, 100 * gbs / copyGbPerS, use.flops(impl) / (med * 1e6), Double.NaN, launches));
                }
            }
            for (BenchResult r : rows) {
                if (!chosen.contains(r.impl())) {
                    continue;
                }
                out.add(new BenchResult(r.kernel(), r.shape(), r.impl(), r.calls(), r.medianMs(), r.minMs(), r.bytes(),
                        r.flops(), r.gbPerS(), r.percentOfCopy(), r.gflopPerS(), baselineMs / r.medianMs(), r.launches()));
            }
        }
        return out;
    }

    private double[] time(BenchCase.Instance inst, String impl, int copies) {
        for (int i = 0; i < warmup; i++) {
            inst.run(impl, i % copies);
        }
        be.synchronize();
        double[] ms = new double[iters];
        try (Backend.Timer t = be.timer()) {
            for (int i = 0; i < iters; i++) {
                t.start();
                inst.run(impl, i % copies);
                t.stop();
                ms[i] = t.elapsedMillis();
            }
        }
        return ms;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** A table for people. */
    public static String table(List<BenchResult> rows, double copyGbPerS, String device) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "device: %s; copy bandwidth %.1f GB/s (measured in this run)%n",
                device, copyGbPerS));
        sb.append(String.format("%-12s %-40s %-14s %10s %10s %8s %10s %9s%n",
                "kernel", "shape", "impl", "median ms", "GB/s", "% copy", "GFLOP/s", "speed-up"));
        for (BenchResult r : rows) {
            sb.append(String.format(java.util.Locale.ROOT, "%-12s %-40s %-14s %10.4f %10.1f %8.1f %10.1f %9s%n",
                    r.kernel(), r.shape(), r.impl(), r.medianMs(), r.gbPerS(), r.percentOfCopy(), r.gflopPerS(),
                    Double.isNaN(r.speedupOverBaseline()) ? "-" : String.format(java.util.Locale.ROOT, "%.2fx", r.speedupOverBaseline())));
        }
        return sb.toString();
    }
}
