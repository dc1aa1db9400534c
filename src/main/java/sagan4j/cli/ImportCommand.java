package sagan4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import sagan4j.reference.ReferenceBackend;
import sagan4j.io.SafeTensors;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.models.Weights;

/**
 * {@code sagan4j import FILE.safetensors --preset ...}: reads G and D weights into the preset's model,
 * checking every name and shape, and says what it loaded.
 */
@Command(name = "import", description = "Read G and D weights from .safetensors into a model and check them.")
final class ImportCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
        SafeTensors.Contents c = SafeTensors.read(file);
        GanConfig cfg = options.config().withOrthoInit(false);
        try (ReferenceBackend cpu = new ReferenceBackend(); Generator g = new Generator(cpu, cfg); Discriminator d = new Discriminator(cpu, cfg)) {
            Weights.load(c.tensors(), g, d);
            System.out.println(file + ": loaded " + c.tensors().size() + " tensors into " + cfg.preset() + " (G "
                    + g.parameterCount() + " + D " + d.parameterCount() + " parameters)");
        }
        return 0;
    }
}
