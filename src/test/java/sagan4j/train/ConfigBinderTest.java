package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.backend.ConfigException;

/** The binder: which settings exist under which flags, the layering defaults < file < flags, and one-line errors. */
class ConfigBinderTest {
    @TempDir
    Path tmp;

    @Test
    void specsNameEveryAnnotatedFieldWithItsFlagTypeAndDefault() {
        List<ConfigBinder.Spec> specs = ConfigBinder.specs();
        // the flags `train --help` listed before the binder was split from TrainConfig, sorted
        assertEquals(List.of("adam-eps", "attention-d", "attention-g", "aux-weight", "batch", "beta1", "beta2", "ch", "check-finite", "checkpoint-every",
                "classes", "cuda-graphs", "dataset", "device", "ema-decay", "ema-kimg", "ema-rampup", "ema-rule", "ema-start", "eval-every", "eval-samples", "eval-truncation", "flip", "image-channels",
                "keep-checkpoints", "log-every", "loss", "lr-d", "lr-g", "micro-batch", "n-dis", "ortho-d", "ortho-form", "ortho-g", "out",
                "prefetch", "preset", "resolution", "sample-every", "seed", "shared-dim", "sn-d", "sn-g", "standing-stats", "steps", "tf32",
                "time-limit", "z-dim"), specs.stream().map(ConfigBinder.Spec::flag).sorted().toList());
        Map<String, ConfigBinder.Spec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        assertEquals(new ConfigBinder.Spec("lrG", "lr-g", float.class, "G's Adam learning rate", "1.0E-4"), byName.get("lrG"));
        assertEquals("z-dim", byName.get("zDim").flag());
        assertNull(byName.get("zDim").defaultText(), "a model override defaults to the preset's value");
        assertEquals("hinge", byName.get("loss").defaultText());
        assertEquals("check-finite", byName.get("checkFinite").flag());
        assertTrue(byName.get("flip").isSwitch() && !byName.get("snG").isSwitch(), "only primitive booleans are bare switches");
        assertEquals("preset", specs.get(0).name(), "declaration order");
    }

    @Test
    void flagsGoOnTopOfTheFileWhichGoesOnTopOfTheDefaults() throws IOException {
        Path file = Files.writeString(tmp.resolve("c.json"), "{\"settings\": {\"batch\": 8, \"lrG\": 0.002, \"dataset\": \"synthetic\"}}");
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("lr-g", "3e-4");
        flags.put("n-dis", "2");
        TrainConfig c = ConfigBinder.bind(file, flags);
        assertEquals(8, c.batch, "from the file");
        assertEquals("synthetic", c.dataset, "from the file");
        assertEquals(3e-4f, c.lrG, "the flag wins over the file");
        assertEquals(2, c.nDis, "from the flags");
        assertEquals(4e-4f, c.lrD, "the default");
        TrainConfig none = ConfigBinder.bind(null, Map.of());
        assertEquals(ConfigBinder.toMap(new TrainConfig()), ConfigBinder.toMap(none), "no file, no flags: the defaults");
    }

    @Test
    void textRoundTripsAndBadValuesNameTheirFlag() {
        TrainConfig c = ConfigBinder.set(new TrainConfig(), "check-finite", "all");
        assertEquals(TrainConfig.CheckFinite.ALL, c.checkFinite);
        assertEquals("all", ConfigBinder.toMap(c).get("checkFinite"));
        ConfigBinder.set(c, "zDim", "64");
        ConfigBinder.set(c, "z-dim", "null");
        assertNull(c.zDim, "null restores a null default");
        assertEquals("--batch: expected an integer, got 'null'",
                assertThrows(ConfigException.class, () -> ConfigBinder.set(new TrainConfig(), "batch", null)).getMessage());
        assertEquals("--lr-d: expected a finite number, got 'NaN'",
                assertThrows(ConfigException.class, () -> ConfigBinder.set(new TrainConfig(), "lrD", "NaN")).getMessage());
    }

    @Test
    void adamSettingsAreCheckedAsSettings() {
        TrainConfig c = new TrainConfig();
        c.lrD = -1e-3f;
        assertEquals("--lr-d: expected a finite learning rate of 0 or more, got -0.001", assertThrows(ConfigException.class, c::validate).getMessage());
        c.lrD = 0;
        c.beta2 = 1;
        assertEquals("--beta2: expected a value in [0, 1), got 1.0", assertThrows(ConfigException.class, c::validate).getMessage());
        c.beta2 = 0.9f;
        c.adamEps = 0;
        assertEquals("--adam-eps: expected a finite value above 0, got 0.0", assertThrows(ConfigException.class, c::validate).getMessage());
    }
}
