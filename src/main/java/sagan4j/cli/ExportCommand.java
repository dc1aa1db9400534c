package sagan4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sagan4j.reference.ReferenceBackend;
import sagan4j.io.NpyArray;
import sagan4j.io.SafeTensors;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.models.Weights;

/**
 * {@code sagan4j export --preset ... --out FILE.safetensors}: G and D weights (parameters and buffers,
 * PyTorch-style names) as .safetensors, written atomically. Until training lands, the weights are the
 * seeded initialisation.
 */
@Command(name = "export", description = "Write G and D weights as .safetensors.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the .safetensors file to write")
    Path out;

    @Override
    public Integer call() throws IOException {
        GanConfig cfg = options.config();
        try (ReferenceBackend cpu = new ReferenceBackend(); Generator g = new Generator(cpu, cfg); Discriminator d = new Discriminator(cpu, cfg)) {
            Map<String, NpyArray> tensors = Weights.state(g, d);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("sagan4j.config", cfg.toString());
            SafeTensors.write(out, tensors, meta);
            System.out.println(out + ": " + tensors.size() + " tensors (" + cfg.preset() + ", G " + g.parameterCount()
                    + " + D " + d.parameterCount() + " parameters)");
        }
        return 0;
    }
}
