package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import sagan4j.backend.GemmMath;
import sagan4j.backend.ConfigException;
import sagan4j.models.GanConfig;
import sagan4j.testing.Goldens;

/** Settings: the defaults, text round trips, the model they make, and one-line errors. */
class TrainConfigTest {
    /**
     * The optimiser defaults are the two time-scale Adam the PyTorch peer trains with (bench/peers/torch_step.py's
     * torch.optim.Adam objects, recorded in golden/peers.json by
     * {@code python3 bench/peers/goldens.py > src/test/resources/golden/peers.json}); the hinge loss is the
     * peer's too. The EMA decay and the orthogonal regularisation weight are BigGAN's published values, which
     * the peers do not use.
     */
    @Test
    void defaultsAreTheTwoTimeScaleHingeSettings() {
        TrainConfig c = new TrainConfig();
        assertEquals(TrainConfig.Loss.HINGE, c.loss);
        assertEquals(Goldens.peerFloat("adam", "lr_g"), c.lrG);
        assertEquals(Goldens.peerFloat("adam", "lr_d"), c.lrD);
        assertEquals(Goldens.peerFloat("adam", "beta1"), c.beta1);
        assertEquals(Goldens.peerFloat("adam", "beta2"), c.beta2);
        assertEquals(Goldens.peerFloat("adam", "eps"), c.adamEps);
        assertEquals(0.9999f, c.emaDecay, "the fixed rule keeps BigGAN's decay");
        assertEquals(TrainConfig.EmaRule.HALFLIFE, c.emaRule);
        assertEquals(10f, c.emaKimg);
        assertEquals(0.05f, c.emaRampup);
        assertEquals(0f, c.orthoGWeight(), "off for SAGAN-style presets");
        c.preset = "biggan32";
        assertEquals(1e-4f, c.orthoGWeight(), "on for BigGAN presets");
    }

    /** Issue 16's recipe for tiny (docs/training.md): standing statistics before sampling; the papers' presets keep G's. */
    @Test
    void tinySamplesWithStandingStatisticsTheOtherPresetsWithRunningOnes() {
        assertEquals(32, new TrainConfig().standingStats());
        TrainConfig sagan = new TrainConfig();
        sagan.preset = "sagan32";
        assertEquals(0, sagan.standingStats());
        assertEquals(0, new TrainConfig().set("standing-stats", "0").standingStats());
        assertEquals(5, sagan.set("standing-stats", "5").standingStats());
        assertEquals("--standing-stats: expected 0 or more batches, got -1",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("standing-stats", "-1").validate()).getMessage());
    }

    @Test
    void tf32IsOnByDefaultOffWithTheFlagAndKeptOnResume() {
        assertEquals(GemmMath.TF32, new TrainConfig().gemmMath(), "training's GEMMs and convolutions: TF32 by default");
        TrainConfig off = new TrainConfig().set("tf32", "false");
        assertEquals(GemmMath.FP32, off.gemmMath());
        TrainConfig resumed = new TrainConfig();
        off.toMap().forEach(resumed::set);   // config.json's settings, as --resume reads them
        assertEquals(GemmMath.FP32, resumed.gemmMath());
        assertEquals("--tf32: expected true or false, got 'yes'",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("tf32", "yes")).getMessage());
    }

    @Test
    void everySettingRoundTripsThroughText() {
        TrainConfig c = new TrainConfig().set("lr-g", "2e-4").set("nDis", "2").set("loss", "non-saturating").set("ch", "8")
                .set("flip", "true").set("time-limit", "90s");
        TrainConfig back = new TrainConfig();
        c.toMap().forEach(back::set);
        assertEquals(c.toMap(), back.toMap());
        assertEquals(2e-4f, back.lrG);
        assertEquals(2, back.nDis);
        assertEquals(90, back.timeLimitSeconds());
        assertNull(back.zDim);
        GanConfig m = back.model(10);
        assertEquals(8, m.ch());
        assertEquals(GanConfig.preset("tiny").zDim(), m.zDim());
        assertEquals(480, new TrainConfig().timeLimitSeconds());
        assertEquals(7200, new TrainConfig().set("time-limit", "2h").timeLimitSeconds());
    }

    @Test
    void badSettingsGiveOneLine() {
        assertEquals("--n-dis: expected an integer, got 'x'",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("n-dis", "x")).getMessage());
        assertEquals("--loss: expected one of [hinge, non-saturating], got 'wasserstein'",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("loss", "wasserstein")).getMessage());
        assertEquals("--micro-batch: 5 must divide --batch 32",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("micro-batch", "5").validate()).getMessage());
        assertEquals("--time-limit: expected a duration such as 90s, 10m or 1h (0: none), got 'soon'",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("time-limit", "soon").timeLimitSeconds()).getMessage());
        assertEquals("config: unknown setting 'speed'", assertThrows(ConfigException.class, () -> new TrainConfig().set("speed", "1")).getMessage());
    }
}
