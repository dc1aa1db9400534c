package sagan4j.models;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.nn.Condition;
import sagan4j.nn.ConditionalNorm;
import sagan4j.nn.GradCheck;
import sagan4j.nn.Layer;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;
import sagan4j.testing.Reference;

/**
 * Element-by-element gradient checks (central differences, 2e-3 of the gradient's scale) of every residual block
 * of the models on the CPU reference, in each of its forms: with and without downsampling, with and without a
 * shortcut convolution, pre-activation or not, class-table and vector conditioning. The whole-model checks
 * (EndToEndGradientTest) are directional at 5%, which a small term such as a first block's shortcut can hide
 * under; here each input and weight element is checked on its own. Samples straddling a ReLU kink are skipped.
 */
class BlockWiringGradientTest {
    /** Small: at 1e-3 a conv weight's move flips some LeakyReLU input in most samples (seen: 25 of 30 skipped). */
    private static final double EPS = 1e-4;
    private static final double TOL = 2e-3;
    private static final int SAMPLES = 30;
    private final Backend cpu = new ReferenceBackend();
    private final SplittableRandom rng = new SplittableRandom(12);

    private Tensor input(int... dims) {
        return Reference.randomTensor(cpu, rng, dims);
    }

    @Test
    void seedDiscriminatorBlocks() {
        int[][] forms = {{3, 4, 1}, {4, 4, 0}, {4, 4, 1}, {4, 6, 0}};   // cin, cout, down
        for (int[] f : forms) {
            try (SeedDBlock block = new SeedDBlock(cpu, "D.seed_" + f[0] + "_" + f[1] + "_" + f[2], f[0], f[1], f[2] == 1, false, rng);
                 Tensor x = input(3, f[0], 4, 4)) {
                GradCheck.layer(cpu, block, x, EPS, TOL, SAMPLES, 100 + f[1], GradCheck.kinks(block));
            }
        }
    }

    @Test
    void bigGanDiscriminatorBlocks() {
        int[][] forms = {{3, 4, 0, 1}, {4, 4, 1, 0}, {4, 6, 1, 1}, {4, 4, 1, 1}, {4, 6, 1, 0}};   // cin, cout, preact, down
        for (int[] f : forms) {
            try (BigGanDBlock block = new BigGanDBlock(cpu, "D.biggan_" + f[0] + "_" + f[1] + "_" + f[2] + "_" + f[3], f[0], f[1],
                    f[2] == 1, f[3] == 1, false, rng);
                 Tensor x = input(3, f[0], 4, 4)) {
                GradCheck.layer(cpu, block, x, EPS, TOL, SAMPLES, 200 + f[1], GradCheck.kinks(block));
            }
        }
    }

    @Test
    void seedGeneratorBlocksWithClassTables() {
        for (int cout : new int[] {4, 6}) {   // identity skip, and conv_sc + norm3
            try (SeedGBlock block = new SeedGBlock(cpu, "G.blocks.0", 4, cout, false,
                    (p, c) -> ConditionalNorm.tables(cpu, p, c, 3), rng);
                 Tensor x = input(3, 4, 4, 4); Tensor labels = cpu.fromHost(new int[] {2, 0, 2}, 3)) {
                randomiseNormTables(block);
                Condition c = Condition.labels(labels);
                GradCheck.layer(cpu, asLayer(block, x2 -> block.forward(x2, c), dy -> block.backward(dy, null)), x, EPS, TOL,
                        SAMPLES, 300 + cout, GradCheck.kinks(block));
            }
        }
    }

    @Test
    void seedGeneratorBlocksWithVectorConditioning() {
        for (int cout : new int[] {4, 6}) {
            try (SeedGBlock block = new SeedGBlock(cpu, "G.blocks.0", 4, cout, false,
                    (p, c) -> ConditionalNorm.dense(cpu, p, c, 5, false, 1f, rng), rng)) {
                vectorConditioned(block, (x, c) -> block.forward(x, c), block::backward, 400 + cout);
            }
        }
    }

    @Test
    void bigGanGeneratorBlock() {
        try (BigGanGBlock block = new BigGanGBlock(cpu, "G.blocks.0", 4, 6, 5, false, rng)) {
            vectorConditioned(block, (x, c) -> block.forward(x, c), block::backward, 500);
        }
    }

    private interface CondForward {
        Tensor run(Tensor x, Condition c);
    }

    private interface CondBackward {
        Tensor run(Tensor dy, Tensor gradVector);
    }

    /** x (3, 4, 4, 4) and v (3, 5): the input, every weight, and dL/dv (accumulated into the tensor backward is given). */
    private void vectorConditioned(Module block, CondForward forward, CondBackward backward, long seed) {
        try (Tensor x = input(3, 4, 4, 4); Tensor v = input(3, 5); Tensor gv = cpu.zeros(3, 5)) {
            Condition c = Condition.vector(v);
            Layer layer = asLayer(block, x2 -> forward.run(x2, c), dy -> {
                cpu.fill(gv, 0f);
                return backward.run(dy, gv);
            });
            GradCheck.layer(cpu, layer, x, EPS, TOL, SAMPLES, seed, GradCheck.kinks(block));
            Tensor y = layer.forward(x);
            float[] g = Reference.random(new SplittableRandom(seed), (int) y.size(), 1);
            try (Tensor gt = cpu.fromHost(g, y.shape().dims())) {
                layer.backward(gt);
            }
            GradCheck.check("condition vector", cpu, () -> layer.forward(x), g, v, cpu.toHostFloats(gv), EPS, TOL, 15,
                    new SplittableRandom(seed + 1), GradCheck.kinks(block));
        }
    }

    /** Class tables γ, β away from their 1 and 0, so that a mix-up between classes or channels shows. */
    private void randomiseNormTables(Module block) {
        for (Parameter p : block.weights()) {
            if (p.name().endsWith(".gamma") || p.name().endsWith(".beta")) {
                cpu.upload(Reference.random(rng, (int) p.value().size(), 1), p.value());
            }
        }
    }

    private Layer asLayer(Module block, java.util.function.UnaryOperator<Tensor> forward, java.util.function.UnaryOperator<Tensor> backward) {
        return new Layer(cpu, block.path()) {
            @Override
            public Tensor forward(Tensor in) {
                return forward.apply(in);
            }

            @Override
            public Tensor backward(Tensor dy) {
                return backward.apply(dy);
            }

            @Override
            public List<Parameter> parameters() {
                return block.parameters();
            }
        };
    }
}
