package sagan4j.bench;

/**
 * One measured (case, shape, implementation). Times are medians over the timed calls; {@code launches} is
 * the GPU work one call queues (kernels + cuBLAS/cuDNN calls, {@link sagan4j.cuda.runtime.DeviceCounters}; 0 off CUDA).
 */
public record BenchResult(String kernel, String shape, String impl, int calls, double medianMs, double minMs,
                          long bytes, double flops, double gbPerS, double percentOfCopy, double gflopPerS,
                          double speedupOverBaseline, double launches) {

    /** One JSON object (no dependency for this: fixed keys, numbers and plain strings). */
    public String toJson() {
        return String.format(java.util.Locale.ROOT,
                "{\"kernel\":\"%s\",\"shape\":\"%s\",\"impl\":\"%s\",\"calls\":%d,\"median_ms\":%.6f,\"min_ms\":%.6f,"
                        + "\"bytes\":%d,\"flops\":%.0f,\"gb_per_s\":%.3f,\"percent_of_copy\":%.2f,\"gflop_per_s\":%.3f,"
                        + "\"speedup_over_baseline\":%s,\"launches_per_call\":%.2f}",
                kernel, shape, impl, calls, medianMs, minMs, bytes, flops, gbPerS, percentOfCopy, gflopPerS,
                Double.isNaN(speedupOverBaseline) ? "null" : String.format(java.util.Locale.ROOT, "%.3f", speedupOverBaseline), launches);
    }
}
