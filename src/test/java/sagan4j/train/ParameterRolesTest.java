package sagan4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import sagan4j.backend.Backend;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.ConditionalBatchNorm2d;
import sagan4j.nn.Conv2d;
import sagan4j.nn.Embedding;
import sagan4j.nn.Linear;
import sagan4j.nn.Module;
import sagan4j.nn.OrthogonalRegularization;
import sagan4j.nn.Parameter;
import sagan4j.nn.SelfAttention;
import sagan4j.nn.SpectralNormWeight;
import sagan4j.nn.Weight;
import sagan4j.reference.ReferenceBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training picks parameters by what they are, not by what they are called: the orthogonally regularised set is
 * exactly the conv, linear and self-attention weights found from the model's structure, whatever the layers' paths
 * say; standing statistics and σ logging find their tensors through typed queries.
 */
class ParameterRolesTest {
    private static final Backend BE = new ReferenceBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    /** The weights a layer multiplies by, from the layer types alone (embeddings are looked up, not multiplied). */
    private static List<Parameter> multipliedWeights(Module net) {
        List<Parameter> out = new ArrayList<>();
        for (Module m : net.modules()) {
            if (m instanceof Conv2d c) {
                out.add(c.weight().parameter());
            } else if (m instanceof Linear l) {
                out.add(l.weight().parameter());
            } else if (m instanceof SelfAttention a) {
                for (Weight w : a.weightsThetaPhiGO()) {
                    out.add(w.parameter());
                }
            }
        }
        return out;
    }

    /** The rule training used before roles: names ending in .weight, not containing embed or shared. */
    private static List<Parameter> byTheOldNameRule(Module net) {
        return OrthogonalRegularization.matrices(net.weights()).stream()
                .filter(p -> p.name().endsWith(".weight") && !p.name().contains("embed") && !p.name().contains("shared")).toList();
    }

    private static GanConfig model(String preset) {
        TrainConfig c = new TrainConfig();
        c.preset = preset;
        return c.model(10);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny", "sagan32", "biggan32"})
    void theOrthogonallyRegularisedWeightsAreTheConvLinearAndAttentionWeights(String preset) {
        GanConfig cfg = model(preset);
        try (Generator g = new Generator(BE, cfg); Discriminator d = new Discriminator(BE, cfg)) {
            for (Module net : new Module[] {g, d}) {
                List<Parameter> picked = TrainStep.orthoWeights(net);
                assertFalse(picked.isEmpty());
                assertEquals(multipliedWeights(net), picked, preset + " " + net.path() + ": from the structure, in order");
                // the presets' names follow the old convention, so the regularised set (and so training) is unchanged
                assertEquals(byTheOldNameRule(net), picked, preset + " " + net.path() + ": as the name rule picked");
            }
        }
    }

    /** A network whose paths mislead the name rule: a conv called embed_proj, an embedding called table. */
    private static final class MisleadinglyNamed extends Module {
        MisleadinglyNamed(Backend be) {
            super(be, "net");
            SplittableRandom rng = new SplittableRandom(3);
            add(new Conv2d(be, child("embed_proj"), 4, 8, 3, true, true, rng));
            add(new Embedding(be, child("table"), 10, 8, rng));
            add(new Linear(be, child("shared_head"), 8, 1, true, rng));
        }
    }

    @Test
    void renamingALayerDoesNotChangeWhatIsRegularised() {
        try (MisleadinglyNamed net = new MisleadinglyNamed(BE)) {
            List<String> picked = TrainStep.orthoWeights(net).stream().map(Parameter::name).toList();
            assertEquals(List.of("net.embed_proj.weight", "net.shared_head.weight"), picked);
            assertEquals(List.of("net.table.weight"), byTheOldNameRule(net).stream().map(Parameter::name).toList(),
                    "the name rule would have regularised the embedding and skipped both weights");
            assertEquals(List.of("net.table.weight"), net.parameters(Parameter.Role.EMBEDDING).stream().map(Parameter::name).toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny", "biggan32"})
    void typedQueriesFindTheNormsStatisticsAndSpectralVectors(String preset) {
        GanConfig cfg = model(preset);
        try (Generator g = new Generator(BE, cfg)) {
            List<ConditionalBatchNorm2d> norms = g.modules(ConditionalBatchNorm2d.class);
            assertEquals(g.modules().stream().filter(m -> m instanceof ConditionalBatchNorm2d).count(), norms.size());
            assertFalse(norms.isEmpty());
            for (ConditionalBatchNorm2d n : norms) {
                assertEquals(1, n.parameters(Parameter.Role.RUNNING_MEAN).size(), n.path());
                assertEquals(1, n.parameters(Parameter.Role.RUNNING_VAR).size(), n.path());
            }
            List<SpectralNormWeight> sn = g.spectralNormWeights();
            assertEquals(cfg.snG(), !sn.isEmpty());
            assertEquals(sn.stream().map(SpectralNormWeight::u).toList(), g.parameters(Parameter.Role.SPECTRAL_U));
            assertEquals(sn.stream().map(SpectralNormWeight::v).toList(), g.parameters(Parameter.Role.SPECTRAL_V));
            for (Parameter p : g.parameters()) {
                assertEquals(p.role().kind(), p.kind(), p.name());
                if (p.trainable()) {
                    assertTrue(p.grad() != null, p.name() + " has a gradient");
                } else {
                    assertNull(p.grad(), p.name() + " is a buffer");
                }
            }
        }
    }
}
