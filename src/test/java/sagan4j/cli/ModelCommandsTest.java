package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.reference.ReferenceBackend;
import sagan4j.io.SafeTensors;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;

/** {@code sagan4j model}, {@code export} and {@code import} on the CPU. */
class ModelCommandsTest {
    @TempDir
    Path dir;

    @Test
    void modelPrintsLayersAndTotals() {
        CliRun r = CliRun.of("model", "--preset", "sagan32");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("G.attention"), r.out());
        assertTrue(r.out().contains("[128, 16, 16]"), r.out());
        assertTrue(r.out().contains("parameters: G 2,347,012 + D 2,375,106 = 4,722,118"), r.out());
    }

    @Test
    void layersListsEveryLayerWithItsShape() {
        CliRun r = CliRun.of("model", "--preset", "sagan32", "--layers");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("G.blocks.1.conv_sc") && l.contains("[128, 16, 16]")
                && l.contains("32,896")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("D.attention.pool_phi") && l.contains("[8, 8, 8]")), r.out());
    }

    @Test
    void badSettingsAreOneLine() {
        CliRun r = CliRun.of("model", "--preset", "sagan32", "--resolution", "48");
        assertEquals(2, r.exit());
        assertEquals("sagan4j model: resolution: expected 32, 64 or 128, got 48", r.err().strip());
        r = CliRun.of("model", "--preset", "nope");
        assertEquals(2, r.exit());
        assertEquals("sagan4j model: preset: expected tiny, sagan32, biggan32 or biggan128, got 'nope'", r.err().strip());
    }

    @Test
    void exportThenImportRoundTrips() throws Exception {
        Path f = dir.resolve("w.safetensors");
        CliRun r = CliRun.of("export", "--preset", "biggan32", "--ch", "16", "--out", f.toString());
        assertEquals(0, r.exit(), r.err());
        SafeTensors.Contents c = SafeTensors.read(f);
        assertTrue(c.tensors().containsKey("G.blocks.0.conv1.weight"));
        assertTrue(c.tensors().containsKey("G.blocks.0.conv1.weight_u"), "spectral-norm buffers are saved too");
        assertTrue(c.metadata().get("sagan4j.config").contains("biggan32"));
        // the saved generator weights are the seeded initialisation, the same as a fresh model's
        GanConfig cfg = GanConfig.preset("biggan32");
        cfg = new GanConfig(cfg.preset(), cfg.blocks(), cfg.shared(), cfg.resolution(), cfg.imageChannels(), cfg.classes(), 16,
                cfg.zDim(), cfg.sharedDim(), cfg.attentionG(), cfg.attentionD(), cfg.snG(), cfg.snD(), cfg.gainOffset(),
                cfg.orthoInit(), cfg.seed());
        try (ReferenceBackend cpu = new ReferenceBackend(); Generator g = new Generator(cpu, cfg)) {
            assertArrayEquals(cpu.toHostFloats(g.parameters().get(1).value()),
                    c.tensors().get(g.parameters().get(1).name()).floats());
        }
        r = CliRun.of("import", f.toString(), "--preset", "biggan32", "--ch", "16");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("loaded " + c.tensors().size() + " tensors"), r.out());
        r = CliRun.of("import", f.toString(), "--preset", "biggan32");
        assertEquals(2, r.exit());
        assertEquals("sagan4j import: weights: G.linear.weight has shape [1024, 32], the model expects [4096, 32]", r.err().strip());
    }

    @Test
    void exportDoesNotLeaveAPartialFileOnBadInput() {
        Path f = dir.resolve("never.safetensors");
        CliRun r = CliRun.of("export", "--preset", "sagan32", "--ch", "10", "--out", f.toString());
        assertEquals(2, r.exit());
        assertFalse(Files.exists(f));
    }
}
