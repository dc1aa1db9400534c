package sagan4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import sagan4j.io.AtomicFiles;
import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.Goldens;
import sagan4j.testing.Slow;

/**
 * {@code bench/peers/presets.json} is the table the PyTorch peers build their transcriptions from (the GPU
 * machine has no Maven to ask): every preset's settings as {@link GanConfig} has them, and G's and D's
 * parameter counts. The counts must be what PyTorch's transcription (bench/peers/gan_models.py) has: the Java
 * models built here on the reference backend are checked against the counts PyTorch computed
 * (golden/peers.json), so neither side can drift alone. When a preset changes on purpose: write the table
 * with {@code mvn -o -q test -Dtest=PeerPresetTableTest -Dpeers.write=true} (that run fails, saying it
 * wrote), regenerate the goldens from it with
 * {@code python3 bench/peers/goldens.py > src/test/resources/golden/peers.json}, review both diffs, rerun.
 */
@Slow
class PeerPresetTableTest {
    static final Path TABLE = Path.of("bench", "peers", "presets.json");
    static final List<String> PRESETS = List.of("tiny", "sagan32", "biggan32", "biggan128");

    /** G's and D's parameter counts of every preset, built once on the reference backend. */
    private static final class Counts {
        static final Map<String, long[]> OF = count();

        private static Map<String, long[]> count() {
            Map<String, long[]> out = new LinkedHashMap<>();
            try (ReferenceBackend cpu = new ReferenceBackend()) {
                for (String preset : PRESETS) {
                    GanConfig c = GanConfig.preset(preset).withOrthoInit(false);   // counts do not depend on the initialisation
                    try (Generator gen = new Generator(cpu, c); Discriminator dis = new Discriminator(cpu, c)) {
                        out.put(preset, new long[] {gen.parameterCount(), dis.parameterCount()});
                    }
                }
            }
            return out;
        }
    }

    @Test
    void javaModelsHaveThePyTorchTranscriptionsParameterCounts() {
        for (String preset : PRESETS) {
            assertEquals(Goldens.peerLong("params", preset, "g"), Counts.OF.get(preset)[0], preset + " G");
            assertEquals(Goldens.peerLong("params", preset, "d"), Counts.OF.get(preset)[1], preset + " D");
        }
    }

    @Test
    void committedTableMatchesTheModels() throws IOException {
        String want = table();
        if (Boolean.getBoolean("peers.write")) {
            AtomicFiles.write(TABLE, want.getBytes(StandardCharsets.UTF_8));
            fail(TABLE + " written: regenerate the goldens (python3 bench/peers/goldens.py > src/test/resources/golden/peers.json), "
                    + "review both diffs and rerun without -Dpeers.write");
        }
        assertEquals(want, Files.readString(TABLE), TABLE + " is stale: regenerate it (see PeerPresetTableTest)");
    }

    /** One JSON object per preset, one per line, keys in snake_case as the Python side reads them. */
    static String table() {
        StringBuilder sb = new StringBuilder("{\n");
        for (int i = 0; i < PRESETS.size(); i++) {
            GanConfig c = GanConfig.preset(PRESETS.get(i));
            long[] gd = Counts.OF.get(c.preset());
            sb.append(String.format(Locale.ROOT, "  \"%s\": {\"blocks\": \"%s\", \"shared\": %b, \"resolution\": %d, "
                            + "\"image_channels\": %d, \"classes\": %d, \"ch\": %d, \"z_dim\": %d, \"shared_dim\": %d, "
                            + "\"attention_g\": %d, \"attention_d\": %d, \"sn_g\": %b, \"sn_d\": %b, \"gain_offset\": %s, "
                            + "\"g_params\": %d, \"d_params\": %d}%s%n",
                    c.preset(), c.blocks().name().toLowerCase(Locale.ROOT), c.shared(), c.resolution(), c.imageChannels(),
                    c.classes(), c.ch(), c.zDim(), c.sharedDim(), c.attentionG(), c.attentionD(), c.snG(), c.snD(),
                    Float.toString(c.gainOffset()), gd[0], gd[1], i + 1 < PRESETS.size() ? "," : ""));
        }
        return sb.append("}\n").toString();
    }
}
