package sagan4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.data.Datasets;
import sagan4j.data.Fit;
import sagan4j.data.ImageSet;
import sagan4j.eval.Classifier;
import sagan4j.eval.Evaluation;
import sagan4j.eval.Evaluator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Init;
import sagan4j.train.SavedRun;
import sagan4j.train.Trainer;

/** {@code sagan4j eval}: class accuracy and Fréchet distance of a checkpoint's samples, by the in-project classifier. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Score a checkpoint: classifier accuracy per class and Fréchet distance (with its real-data scale).")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", paramLabel = "FILE") Path checkpoint;
    @Option(names = "--run", paramLabel = "DIR") Path run;
    @Option(names = "--n", defaultValue = "1000", description = "generated images (default 1000)") int n;
    @Option(names = "--truncation", defaultValue = "0", description = "resample the samples' z outside ±t (0: none, the default)") double truncation;
    @Option(names = "--ema", arity = "1", description = "use EMA-G (default: when the run kept one)") Boolean ema;
    @Option(names = "--standing-stats", paramLabel = "BATCHES", description = "batch norms' running statistics recomputed from this many training-mode batches first (default: the run's --standing-stats)") Integer standingStats;
    @Option(names = "--device", description = "cpu or cuda (default: cuda when it works)") String device;

    @Override
    public Integer call() throws IOException {
        if (n < 1) {
            throw new ConfigException("--n: expected at least 1, got " + n);
        }
        Init.checkTruncation("--truncation", truncation);
        SavedRun saved = SavedRun.open(checkpoint, run, System.err);
        GanConfig m = saved.model();
        String dataset = saved.config().dataset;
        ImageSet train = Datasets.open(dataset, true, m.resolution()), held = Datasets.open(dataset, false, m.resolution());
        try (Backend be = TrainCommand.openDevice(device); Generator g = saved.sampler(be, ema, standingStats);
             Classifier c = Trainer.classifierFor(dataset, m, train.n()).obtain(be, train, held, System.err)) {
            Evaluation e = new Evaluator(be, c, new Fit(m.imageChannels(), m.resolution()), m.classes())
                    .evaluate(g, train, held, n, saved.config().seed, truncation);
            System.out.println(saved.file() + ": " + e.summary());
        }
        return 0;
    }
}
