package sagan4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sagan4j.cpu.CpuBackend;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;

/** {@code sagan4j model --preset ...}: every layer of G and D with its output shape and parameter count. */
@Command(name = "model", description = "Print a model's layers, output shapes and parameter counts.")
final class ModelCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Override
    public Integer call() {
        // Shapes and counts do not depend on the initialisation: skip the (slow, host-side) orthogonalisation.
        GanConfig cfg = options.config().withOrthoInit(false);
        try (CpuBackend cpu = new CpuBackend(); Generator g = new Generator(cpu, cfg); Discriminator d = new Discriminator(cpu, cfg)) {
            System.out.println("preset " + cfg.preset() + ": " + cfg);
            System.out.println();
            System.out.print(g.summary().table("G", g.parameterCount()));
            System.out.println();
            System.out.print(d.summary().table("D", d.parameterCount()));
            System.out.printf("%nparameters: G %,d + D %,d = %,d%n", g.parameterCount(), d.parameterCount(),
                    g.parameterCount() + d.parameterCount());
        }
        return 0;
    }
}
