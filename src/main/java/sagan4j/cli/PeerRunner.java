package sagan4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import sagan4j.models.GanConfig;
import sagan4j.ops.OpInputException;

/**
 * Runs the PyTorch peer ({@code bench/peers/torch_step.py}) with a Python that has torch and reads its
 * {@code PEER key=value ...} line. The model is passed as its settings (blocks, shared embedding, resolution,
 * channels, classes, ...) with sagan4j's parameter counts, which the script checks; every preset has a
 * transcription (bench/peers/gan_models.py).
 */
final class PeerRunner {
    private final String python;
    private final Path script;

    private PeerRunner(String python, Path script) {
        this.python = python;
        this.script = script;
    }

    /** One peer measurement, milliseconds, and the peer process's peak resident memory; NaN where not measured. */
    record Result(String torch, double dMs, double gMs, double dAdamMs, double gAdamMs, double dCompileMs, double gCompileMs,
                  double peakRssBytes) {
        /** The step with Adam's update (NaN where the peer did not time it). */
        double adamStepMs() {
            return dAdamMs + gAdamMs;
        }

        double stepMs() {
            return dMs + gMs;
        }

        String toJson() {
            return String.format(Locale.ROOT, "{\"torch\":\"%s\",\"eager_d_ms\":%s,\"eager_g_ms\":%s,\"eager_adam_d_ms\":%s,"
                    + "\"eager_adam_g_ms\":%s,\"compile_d_ms\":%s,\"compile_g_ms\":%s,\"peak_rss_bytes\":%s}", torch, n(dMs),
                    n(gMs), n(dAdamMs), n(gAdamMs), n(dCompileMs), n(gCompileMs),
                    Double.isNaN(peakRssBytes) ? "null" : String.format(Locale.ROOT, "%.0f", peakRssBytes));
        }

        private static String n(double v) {
            return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
        }
    }

    /** The first of python3 (PATH) and /usr/bin/python3 where {@code import torch} works; one line otherwise. */
    static PeerRunner find(Path script) throws IOException, InterruptedException {
        Path s = script != null ? script : Path.of("bench", "peers", "torch_step.py");
        if (!Files.isRegularFile(s)) {
            throw new OpInputException("--peer: the peer script " + s + " does not exist (run from the project folder, or give --peer-script)");
        }
        for (String py : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return new PeerRunner(py, s);
                }
            } catch (IOException e) {
                // this python does not exist; try the next
            }
        }
        throw new OpInputException("--peer: no python3 with PyTorch found (tried python3 and /usr/bin/python3; "
                + "apt-get install python3-torch)");
    }

    Result run(GanConfig cfg, int batch, int steps, int warmup, int threads, long gParams, long dParams)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--preset", cfg.preset(),
                "--resolution", "" + cfg.resolution(), "--image-channels", "" + cfg.imageChannels(),
                "--classes", "" + cfg.classes(), "--ch", "" + cfg.ch(), "--z-dim", "" + cfg.zDim(),
                "--attention-g", "" + cfg.attentionG(), "--attention-d", "" + cfg.attentionD(),
                "--sn-g", cfg.snG() ? "1" : "0", "--sn-d", cfg.snD() ? "1" : "0",
                "--blocks", cfg.blocks().name().toLowerCase(Locale.ROOT), "--shared", cfg.shared() ? "1" : "0",
                "--shared-dim", "" + cfg.sharedDim(), "--gain-offset", "" + cfg.gainOffset(), "--batch", "" + batch,
                "--steps", "" + steps, "--warmup", "" + warmup, "--threads", "" + threads,
                "--expect-g", "" + gParams, "--expect-d", "" + dParams));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = readAll(p.getInputStream());
        int rc = p.waitFor();
        String peerLine = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("PEER ")) {
                peerLine = line;
            }
        }
        if (rc != 0 || peerLine == null) {
            String last = out.strip().isEmpty() ? "(no output)" : out.strip().lines().reduce((a, b) -> b).orElse("");
            throw new OpInputException("--peer: " + script + " exited " + rc + ": " + last);
        }
        Map<String, String> kv = new HashMap<>();
        for (String tok : peerLine.substring(5).trim().split(" ")) {
            int eq = tok.indexOf('=');
            kv.put(tok.substring(0, eq), tok.substring(eq + 1));
        }
        return new Result(kv.getOrDefault("torch", "?"), num(kv, "eager_d_ms"), num(kv, "eager_g_ms"), num(kv, "eager_adam_d_ms"),
                num(kv, "eager_adam_g_ms"), num(kv, "compile_d_ms"), num(kv, "compile_g_ms"), rssBytes(num(kv, "peak_rss_kb")));
    }

    /** kB as the peer reports them (VmHWM; -1 where it could not read it) in bytes, NaN where unknown. */
    private static double rssBytes(double kb) {
        return kb >= 0 ? 1024 * kb : Double.NaN;
    }

    private static double num(Map<String, String> kv, String key) {
        String v = kv.get(key);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }
}
