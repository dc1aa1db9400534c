package sagan4j.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import sagan4j.backend.Backend;
import sagan4j.data.BatchStream;
import sagan4j.data.DataLoader;
import sagan4j.data.Datasets;
import sagan4j.data.Fit;
import sagan4j.data.ImageSet;
import sagan4j.data.Position;
import sagan4j.data.Sampler;
import sagan4j.io.NpyArray;
import sagan4j.models.GanConfig;
import sagan4j.train.RunState;
import sagan4j.train.TrainConfig;
import sagan4j.train.TrainSetup;
import sagan4j.train.TrainStep;

/**
 * The {@code tiny} preset trained step by step on the synthetic set (no files needed), as the leak and
 * determinism tests drive it: one D step and one G step per {@link #step()}, EMA-G (fixed rule) averaging from step 1,
 * batches from the seeded loader. {@link #digest()} hashes every tensor of the run state (G, D, EMA-G, both
 * Adam states, spectral-norm u/v, batch-norm statistics), in name order, bit for bit.
 */
public final class TinyTraining implements AutoCloseable {
    private final TrainStep step;
    private final BatchStream loader;
    private final int batch;

    /** tiny (width {@code ch}; the preset's is 16) at {@code batch}, seed 1, synthetic data. */
    public static TrainConfig config(int ch, int batch) {
        TrainConfig c = new TrainConfig();
        c.dataset = "synthetic";
        c.ch = ch;
        c.batch = batch;
        c.emaRule = TrainConfig.EmaRule.FIXED; // the digests these runs compare were defined on the fixed rule
        c.emaStart = 1;
        return c;
    }

    public TinyTraining(Backend be, TrainConfig cfg) {
        ImageSet set = Datasets.open(cfg.dataset, true, 32);
        GanConfig model = cfg.model(set.classes());
        this.batch = cfg.batch;
        this.step = TrainSetup.fromConfig(be, cfg, model);
        this.loader = new DataLoader(set, new Sampler(set.size(), cfg.seed), new Fit(model.imageChannels(), model.resolution()), cfg.batch)
                .stream(Position.START, 2);
    }

    /** One D step on the next real batch, then one G step. */
    public void step() {
        step.dStep(loader.next());
        step.gStep(batch);
    }

    /**
     * {@code warmUp} steps, then {@code steps} more with {@code sample} run before the first of them and after
     * every {@code every}-th (so steps / every + 1 samples); returns the nanoseconds of the sampled part.
     */
    public long train(int warmUp, int steps, int every, Runnable sample) {
        for (int s = 0; s < warmUp; s++) {
            step();
        }
        long t0 = System.nanoTime();
        for (int s = 0; s <= steps; s++) {
            if (s % every == 0) {
                sample.run();
            }
            if (s < steps) {
                step();
            }
        }
        return System.nanoTime() - t0;
    }

    public TrainStep trainStep() {
        return step;
    }

    /** SHA-256 over every run-state tensor's name and bits. */
    public String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Map<String, NpyArray> state = new TreeMap<>(RunState.tensors(step));
            for (Map.Entry<String, NpyArray> e : state.entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                NpyArray a = e.getValue();
                ByteBuffer bits = ByteBuffer.allocate((int) a.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                if (a.isFloat()) {
                    bits.asFloatBuffer().put(a.floats());
                } else {
                    bits.asIntBuffer().put(a.ints());
                }
                md.update(bits.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        loader.close();
        step.close();
    }
}
