package sagan4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.runtime.CudaUnavailableException;
import sagan4j.reference.ReferenceBackend;

/**
 * {@code sagan4j demo}: a linear layer with LeakyReLU, y = leaky(W·x), on random data, on every backend
 * this machine has; each result is checked against a double-precision loop and timed.
 */
@Command(name = "demo", description = "Run a GEMM + LeakyReLU on each available backend and check it against a double loop.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--size", defaultValue = "512", description = "M = N = K (default: ${DEFAULT-VALUE})")
    int size;

    @Override
    public Integer call() {
        if (size < 1 || size > 8192) {
            throw new sagan4j.ops.OpInputException("--size: expected 1..8192, got " + size);
        }
        int n = size;
        SplittableRandom rng = new SplittableRandom(1);
        float[] w = new float[n * n], x = new float[n * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rng.nextDouble(-1, 1);
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        double[] ref = reference(w, x, n);
        List<Backend> backends = new ArrayList<>();
        backends.add(new ReferenceBackend());
        backends.add(Devices.open("cpu"));
        try {
            backends.add(CudaBackend.open());
        } catch (CudaUnavailableException e) {
            System.out.println("cuda: skipped (" + e.getMessage() + ")");
        }
        for (Backend be : backends) {
            try (be; Tensor tw = be.fromHost(w, n, n); Tensor tx = be.fromHost(x, n, n);
                 Tensor y = be.empty(DType.FLOAT32, n, n)) {
                be.gemm(false, false, 1f, tw, tx, 0f, y);
                be.leakyRelu(y, 0.2f, y);
                be.synchronize();
                long t0 = System.nanoTime();
                be.gemm(false, false, 1f, tw, tx, 0f, y);
                be.leakyRelu(y, 0.2f, y);
                be.synchronize();
                double ms = (System.nanoTime() - t0) / 1e6;
                float[] got = be.toHostFloats(y);
                double num = 0, den = 0;
                for (int i = 0; i < got.length; i++) {
                    num += (got[i] - ref[i]) * (got[i] - ref[i]);
                    den += ref[i] * ref[i];
                }
                System.out.printf("%s: y = leaky_relu(W·x), %dx%d · %dx%d in %.2f ms (one call, not a benchmark), "
                        + "relative L2 error vs double loop %.2e  [%s]%n",
                        be.name(), n, n, n, n, ms, Math.sqrt(num / den), be.describe());
            }
        }
        return 0;
    }

    private static double[] reference(float[] w, float[] x, int n) {
        double[] y = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double a = w[i * n + k];
                for (int j = 0; j < n; j++) {
                    y[i * n + j] += a * x[k * n + j];
                }
            }
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = y[i] > 0 ? y[i] : 0.2 * y[i];
        }
        return y;
    }
}
