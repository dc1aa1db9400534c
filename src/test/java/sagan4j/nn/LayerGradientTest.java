package sagan4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.ShapeException;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.Reference;

/** Gradient checks (central differences) of every single-input layer on the CPU reference. */
class LayerGradientTest {
    private final Backend cpu = new ReferenceBackend();
    private final SplittableRandom rng = new SplittableRandom(8);

    private Tensor input(int... dims) {
        return Reference.randomTensor(cpu, rng, dims);
    }

    @Test
    void linear() {
        try (Linear l = new Linear(cpu, "fc", 7, 5, true, rng); Tensor x = input(3, 7)) {
            GradCheck.layer(cpu, l, x, 1e-2, 1e-3, 40, 1);
        }
    }

    @Test
    void conv3x3And1x1() {
        try (Conv2d c = new Conv2d(cpu, "conv", 3, 4, 3, true, rng); Tensor x = input(2, 3, 5, 6)) {
            GradCheck.layer(cpu, c, x, 1e-2, 1e-3, 40, 2);
        }
        try (Conv2d c = new Conv2d(cpu, "conv1x1", 5, 2, 1, false, rng); Tensor x = input(2, 5, 3, 3)) {
            GradCheck.layer(cpu, c, x, 1e-2, 1e-3, 40, 3);
        }
    }

    @Test
    void activations() {
        for (Activation a : new Activation[] {Activation.relu(cpu, "relu"), Activation.leakyRelu(cpu, "lrelu", 0.2f),
                Activation.tanh(cpu, "tanh")}) {
            try (a; Tensor x = input(2, 3, 4, 4)) {
                GradCheck.layer(cpu, a, x, 1e-4, 1e-3, 60, 4);
            }
        }
    }

    @Test
    void resamplingAndSum() {
        for (LayerOps.Resample op : LayerOps.Resample.values()) {
            try (Resampling r = new Resampling(cpu, op.name(), op); Tensor x = input(2, 3, 4, 6)) {
                GradCheck.layer(cpu, r, x, 1e-4, 1e-3, 60, 5);
            }
        }
        try (SumHW s = new SumHW(cpu, "sum"); Tensor x = input(2, 3, 4, 4)) {
            GradCheck.layer(cpu, s, x, 1e-2, 1e-3, 40, 6);
        }
    }

    @Test
    void embeddingTableGradient() {
        try (Embedding e = new Embedding(cpu, "embed", 4, 3, rng); Tensor labels = cpu.fromHost(new int[] {1, 3, 1}, 3)) {
            Tensor y = e.forward(labels);
            float[] g = Reference.random(rng, (int) y.size(), 1);
            e.zeroGrad();
            try (Tensor gt = cpu.fromHost(g, 3, 3)) {
                e.backward(gt);
            }
            float[] dTable = cpu.toHostFloats(e.weight().parameter().grad());
            GradCheck.check("embed.weight", cpu, () -> e.forward(labels), g, e.weight().parameter().value(), dTable,
                    1e-2, 1e-4, 12, rng);
            assertArrayEquals(new float[] {0, 0, 0}, java.util.Arrays.copyOfRange(dTable, 0, 3), "class 0 unused");
        }
    }

    @Test
    void gradientsAccumulateUntilZeroed() {
        try (Linear l = new Linear(cpu, "fc", 2, 2, false, rng); Tensor x = input(1, 2); Tensor dy = input(1, 2)) {
            l.zeroGrad();
            l.forward(x);
            l.backward(dy);
            float[] once = cpu.toHostFloats(l.weight().parameter().grad());
            l.backward(dy);
            float[] twice = cpu.toHostFloats(l.weight().parameter().grad());
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], twice[i], 1e-6);
            }
            l.zeroGrad();
            assertArrayEquals(new float[4], cpu.toHostFloats(l.weight().parameter().grad()));
        }
    }

    @Test
    void wrongInputNamesTheModule() {
        try (Linear l = new Linear(cpu, "G.fc", 4, 2, true, rng); Tensor x = input(3, 5)) {
            ShapeException e = assertThrows(ShapeException.class, () -> l.forward(x));
            assertEquals("G.fc: expected input (B, 4), got [3, 5]", e.getMessage());
        }
    }

    @Test
    void parametersCarryPyTorchNames() {
        try (Conv2d c = new Conv2d(cpu, "G.blocks.0.conv1", 2, 3, 3, true, rng)) {
            assertEquals("G.blocks.0.conv1.weight", c.parameters().get(0).name());
            assertEquals("G.blocks.0.conv1.bias", c.parameters().get(1).name());
            assertEquals(3 * 2 * 9 + 3, c.parameterCount());
        }
    }
}
