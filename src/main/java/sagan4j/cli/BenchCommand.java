package sagan4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.bench.BenchCase;
import sagan4j.bench.BenchResult;
import sagan4j.bench.BenchRunner;
import sagan4j.bench.BenchShape;
import sagan4j.bench.Benches;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.runtime.CudaUnavailableException;
import sagan4j.io.AtomicFiles;

/**
 * {@code sagan4j bench KERNEL|--all [--shape SPEC]... [--impl NAME]...}: microbenchmarks with CUDA events,
 * medians, inputs rotated past L2, bandwidth against the copy bandwidth measured in the same run, and
 * the speed-up over each kernel's baseline composition. Without a GPU it runs the CPU backend and says so.
 */
@Command(name = "bench", description = "Microbenchmark a kernel family against its baseline composition.",
        subcommands = BenchStepCommand.class)
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "KERNEL", description = "kernel family (see --list)")
    String kernel;

    @Option(names = "--all", description = "every kernel family")
    boolean all;

    @Option(names = "--list", description = "list the kernel families, their implementations and default shapes")
    boolean list;

    @Option(names = "--shape", paramLabel = "SPEC", description = "e.g. B=64,N=256,M=64,d=16,c=64 (repeatable)")
    List<String> shapes = new ArrayList<>();

    @Option(names = "--impl", paramLabel = "NAME", description = "implementation(s) to time (default: all)")
    List<String> impls = new ArrayList<>();

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, reference or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--warmup", defaultValue = "10")
    int warmup;

    @Option(names = "--iters", defaultValue = "100")
    int iters;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON lines")
    Path json;

    @Override
    public Integer call() throws IOException {
        if (list) {
            for (BenchCase c : Benches.all()) {
                System.out.println(c.name() + " — " + c.description());
                c.defaultShapes().forEach(s -> System.out.println("  shape: " + s));
            }
            return 0;
        }
        List<BenchCase> cases = new ArrayList<>();
        if (all) {
            cases.addAll(Benches.all());
        } else if (kernel != null) {
            cases.add(Benches.get(kernel));
        } else {
            throw new ConfigException("bench: expected a KERNEL, --all or --list");
        }
        if (iters < 1 || warmup < 0) {
            throw new ConfigException("bench: --iters must be >= 1 and --warmup >= 0, got " + iters + " and " + warmup);
        }
        try (Backend be = open()) {
            BenchRunner runner = new BenchRunner(be, warmup, iters);
            double copy = runner.copyBandwidth(be instanceof CudaBackend ? 256L << 20 : 64L << 20);
            List<BenchResult> results = new ArrayList<>();
            for (BenchCase c : cases) {
                List<BenchShape> s = new ArrayList<>();
                for (String spec : shapes) {
                    s.add(c.parseShape(spec));
                }
                results.addAll(runner.run(c, s.isEmpty() ? c.defaultShapes() : s, impls, copy));
            }
            System.out.print(BenchRunner.table(results, copy, be.describe()));
            if (json != null) {
                StringBuilder sb = new StringBuilder();
                results.forEach(r -> sb.append(r.toJson()).append('\n'));
                AtomicFiles.write(json, sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return 0;
    }

    private Backend open() {
        if (device.equals("auto")) {
            try {
                return CudaBackend.open();
            } catch (CudaUnavailableException e) {
                System.out.println("bench: " + e.getMessage() + " — running the CPU backend instead");
                return Devices.open("cpu");
            }
        }
        return Devices.open(device);
    }
}
