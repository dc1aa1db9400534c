package sagan4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.backend.GemmMath;
import sagan4j.bench.StepBench;
import sagan4j.io.AtomicFiles;
import sagan4j.models.GanConfig;
import sagan4j.onednn.OneDnnBackend;

/**
 * {@code sagan4j bench step --preset P --batch B --device D [--steps N] [--rounds R] [--json FILE] [--peer]}:
 * the training step's D step and G step timed separately (median over the steps after warm-up), images/s
 * and peak memory. With {@code --peer}, each round also runs the PyTorch transcription
 * ({@link PeerRunner}, same layers, parameter counts checked, the same thread count) right after
 * sagan4j's steps, and the table gives the best median of each side over the rounds and their ratio.
 */
@Command(name = "step", description = "Time a training step (D step and G step) and, with --peer, PyTorch's.")
final class BenchStepCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "sagan32", description = "tiny, sagan32, biggan32 or biggan128 (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--batch", defaultValue = "16")
    int batch;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, reference or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--steps", defaultValue = "10", description = "timed steps per round (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed steps first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--rounds", defaultValue = "1", description = "rounds, sagan4j and the peer interleaved; best median kept")
    int rounds;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
    Path json;

    @Option(names = "--peer", description = "also time the PyTorch transcription (bench/peers/torch_step.py)")
    boolean peer;

    @Option(names = "--threads", paramLabel = "N", description = "OpenMP threads of both sides (default: OMP_NUM_THREADS, "
            + "else the available processors); set before oneDNN loads, by running the command in a child JVM")
    Integer threadsOption;

    @Option(names = "--tf32", arity = "1", defaultValue = "true", paramLabel = "true|false",
            description = "TF32 for cuBLAS GEMMs and cuDNN convolutions, as training (default: ${DEFAULT-VALUE}; CUDA only)")
    boolean tf32;
    @Option(names = "--cuda-graphs", defaultValue = "true", arity = "1", paramLabel = "true|false",
            description = "cuda: capture the D and G steps as CUDA graphs and replay them (default: ${DEFAULT-VALUE})")
    boolean cudaGraphs;

    @Option(names = "--peer-script", paramLabel = "FILE", description = "the peer script (default: bench/peers/torch_step.py)")
    Path peerScript;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (batch < 1 || steps < 1 || warmup < 0 || rounds < 1) {
            throw new ConfigException("bench step: --batch, --steps and --rounds must be >= 1 and --warmup >= 0, got "
                    + batch + ", " + steps + ", " + rounds + " and " + warmup);
        }
        GanConfig cfg = StepBench.config(preset).validate();
        if (threadsOption != null && threadsOption < 1) {
            throw new ConfigException("bench step: --threads must be >= 1, got " + threadsOption);
        }
        if (threadsOption != null && threadsOption != OneDnnBackend.threads()) {
            throw new ConfigException("bench step: --threads " + threadsOption + " needs OMP_NUM_THREADS=" + threadsOption
                    + " at process start (java -jar sets it by relaunching; got " + OneDnnBackend.threads() + ")");
        }
        PeerRunner peerRunner = peer ? PeerRunner.find(peerScript) : null;
        List<StepBench.Result> mine = new ArrayList<>();
        List<PeerRunner.Result> theirs = new ArrayList<>();
        String describe;
        int threads;
        try (Backend be = Devices.open(device)) {
            be.setGemmMath(tf32 ? GemmMath.TF32 : GemmMath.FP32);
            describe = be.describe() + (be.gemmMath() == GemmMath.TF32 ? ", TF32" : "");
            be.graphs().ifPresent(g -> g.setEnabled(cudaGraphs));
            threads = be instanceof OneDnnBackend ? OneDnnBackend.threads() : Runtime.getRuntime().availableProcessors();
            for (int r = 0; r < rounds; r++) {
                StepBench.Result res = StepBench.run(be, cfg, batch, warmup, steps);
                mine.add(res);
                System.out.printf(Locale.ROOT, "round %d: sagan4j D step %.1f ms, G step %.1f ms%n", r + 1, res.dMedianMs(),
                        res.gMedianMs());
                if (peerRunner != null) {
                    PeerRunner.Result p = peerRunner.run(cfg, batch, steps, warmup, threads, res.gParams(), res.dParams());
                    theirs.add(p);
                    System.out.printf(Locale.ROOT, "round %d: PyTorch D step %.1f ms, G step %.1f ms%n", r + 1, p.dMs(), p.gMs());
                }
            }
        }
        StepBench.Result best = mine.stream().min((a, b) -> Double.compare(a.stepMs(), b.stepMs())).orElseThrow();
        PeerRunner.Result bestPeer = theirs.stream().min((a, b) -> Double.compare(a.adamStepMs(), b.adamStepMs())).orElse(null);
        System.out.print(table(best, bestPeer, describe, threads));
        if (json != null) {
            String text = "{\"sagan4j\":" + best.toJson() + ",\"rounds\":" + rounds + ",\"threads\":" + threads
                    + ",\"tf32\":" + describe.endsWith(", TF32")
                    + (bestPeer == null ? "" : ",\"peer\":" + bestPeer.toJson() + String.format(Locale.ROOT,
                    ",\"speed_vs_peer_eager_adam\":%.3f", bestPeer.adamStepMs() / best.stepMs())) + "}\n";
            AtomicFiles.write(json, text.getBytes(StandardCharsets.UTF_8));
        }
        return 0;
    }

    static String table(StepBench.Result r, PeerRunner.Result p, String describe, int threads) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s batch %d on %s; %d threads; G %d, D %d parameters%n", r.preset(), r.batch(),
                describe, threads, r.gParams(), r.dParams()));
        sb.append(String.format(Locale.ROOT, "%-28s %10s %10s %10s %10s%n", "", "D step ms", "G step ms", "step ms", "images/s"));
        sb.append(String.format(Locale.ROOT, "%-28s %10.1f %10.1f %10.1f %10.1f%n", "sagan4j (+ Adam)", r.dMedianMs(),
                r.gMedianMs(), r.stepMs(), r.imagesPerSecond()));
        if (p != null) {
            sb.append("PyTorch ").append(p.torch()).append(", the same threads:\n");
            sb.append(row("PyTorch eager (no optimiser)", p.dMs(), p.gMs(), r.batch()));
            if (!Double.isNaN(p.dAdamMs())) {
                sb.append(row("PyTorch eager + Adam", p.dAdamMs(), p.gAdamMs(), r.batch()));
            }
            if (!Double.isNaN(p.dCompileMs())) {
                sb.append(row("PyTorch torch.compile", p.dCompileMs(), p.gCompileMs(), r.batch()));
            }
            if (!Double.isNaN(p.dAdamMs())) {
                sb.append(String.format(Locale.ROOT, "speed vs PyTorch eager, both with Adam: %.2fx%n",
                        p.adamStepMs() / r.stepMs()));
            }
        }
        if (r.dCounts() != null) {
            sb.append("GPU work per D step: ").append(r.dCounts()).append('\n');
            sb.append("GPU work per G step: ").append(r.gCounts()).append('\n');
            sb.append("D step ").append(r.dCapture()).append("; G step ").append(r.gCapture()).append('\n');
        }
        if (r.splitMs() != null) {
            double[] m = r.splitMs();
            sb.append(String.format(Locale.ROOT, "sagan4j's step (mean): %.1f ms copies heap<->native, %.1f reorders, "
                    + "%.1f convolutions, %.1f GEMMs, %.1f softmax (attention), %.1f Java and the rest%n", m[0], m[1], m[2], m[3], m[4], m[5]));
        }
        String peerRss = p == null || Double.isNaN(p.peakRssBytes()) ? ""
                : String.format(Locale.ROOT, " (PyTorch's process %.0f MiB)", p.peakRssBytes() / 1048576.0);
        sb.append(String.format(Locale.ROOT, "peak resident memory %.0f MiB%s; medians of %d steps after %s%n",
                r.peakRssBytes() / 1048576.0, peerRss, r.steps(), "warm-up"));
        return sb.toString();
    }

    private static String row(String name, double d, double g, int batch) {
        return String.format(Locale.ROOT, "%-28s %10.1f %10.1f %10.1f %10.1f%n", name, d, g, d + g, batch * 1000.0 / (d + g));
    }
}
