package sagan4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.models.Summary;

/**
 * {@code sagan4j model --preset ...}: the blocks of G and D with output shapes and parameter counts, the
 * totals, and with {@code --layers} every layer, its output shape taken from a one-sample forward pass on
 * the CPU (seconds for biggan128).
 */
@Command(name = "model", description = "Print a model's blocks (and with --layers every layer), output shapes and parameter counts.")
final class ModelCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--layers", description = "also list every layer, shapes from a one-sample forward on the CPU")
    boolean layers;

    @Override
    public Integer call() {
        // Shapes and counts do not depend on the initialisation: skip the (slow, host-side) orthogonalisation.
        GanConfig cfg = options.config().withOrthoInit(false);
        try (ReferenceBackend cpu = new ReferenceBackend(); Generator g = new Generator(cpu, cfg); Discriminator d = new Discriminator(cpu, cfg)) {
            System.out.println("preset " + cfg.preset() + ": " + cfg);
            System.out.println();
            System.out.print(g.summary().table("G", g.parameterCount()));
            System.out.println();
            System.out.print(d.summary().table("D", d.parameterCount()));
            System.out.printf("%nparameters: G %,d + D %,d = %,d%n", g.parameterCount(), d.parameterCount(),
                    g.parameterCount() + d.parameterCount());
            if (layers) {
                g.train(false);
                d.train(false);
                try (Tensor z = cpu.zeros(1, cfg.zDim()); Tensor y = cpu.fromHost(new int[] {0}, 1)) {
                    d.forward(g.forward(z, y), y);
                }
                System.out.println();
                System.out.print(Summary.layers(g));
                System.out.print(Summary.layers(d));
            }
        }
        return 0;
    }
}
