package sagan4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import sagan4j.reference.ReferenceBackend;
import sagan4j.io.AtomicFiles;

/**
 * {@code bench/peers/presets.json}, the table the PyTorch peers build their transcriptions from and check
 * their parameter counts against (the GPU machine has no Maven to ask), must be what {@link GanConfig}
 * and the models say today: every preset's settings and G's and D's parameter counts, built here on the
 * reference backend. When a preset changes, regenerate the file with
 * {@code mvn -o -q test -Dtest=PeerPresetTableTest -Dpeers.write=true} and commit it.
 */
class PeerPresetTableTest {
    static final Path TABLE = Path.of("bench", "peers", "presets.json");
    static final List<String> PRESETS = List.of("tiny", "sagan32", "biggan32", "biggan128");

    @Test
    void committedTableMatchesTheModels() throws IOException {
        String want = table();
        if (Boolean.getBoolean("peers.write")) {
            AtomicFiles.write(TABLE, want.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(want, Files.readString(TABLE), TABLE + " is stale: regenerate it (see PeerPresetTableTest)");
    }

    /** One JSON object per preset, one per line, keys in snake_case as the Python side reads them. */
    static String table() {
        StringBuilder sb = new StringBuilder("{\n");
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            for (int i = 0; i < PRESETS.size(); i++) {
                // counts do not depend on the initialisation: skip the (slow) orthogonalisation
                GanConfig c = GanConfig.preset(PRESETS.get(i)).withOrthoInit(false);
                long g, d;
                try (Generator gen = new Generator(cpu, c); Discriminator dis = new Discriminator(cpu, c)) {
                    g = gen.parameterCount();
                    d = dis.parameterCount();
                }
                sb.append(String.format(Locale.ROOT, "  \"%s\": {\"blocks\": \"%s\", \"shared\": %b, \"resolution\": %d, "
                                + "\"image_channels\": %d, \"classes\": %d, \"ch\": %d, \"z_dim\": %d, \"shared_dim\": %d, "
                                + "\"attention_g\": %d, \"attention_d\": %d, \"sn_g\": %b, \"sn_d\": %b, \"gain_offset\": %s, "
                                + "\"g_params\": %d, \"d_params\": %d}%s%n",
                        c.preset(), c.blocks().name().toLowerCase(Locale.ROOT), c.shared(), c.resolution(), c.imageChannels(),
                        c.classes(), c.ch(), c.zDim(), c.sharedDim(), c.attentionG(), c.attentionD(), c.snG(), c.snD(),
                        Float.toString(c.gainOffset()), g, d, i + 1 < PRESETS.size() ? "," : ""));
            }
        }
        return sb.append("}\n").toString();
    }
}
