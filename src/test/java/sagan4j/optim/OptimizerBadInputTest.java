package sagan4j.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import sagan4j.backend.Backend;
import sagan4j.backend.InvalidInputException;
import sagan4j.io.NpyArray;
import sagan4j.nn.ConditionalBatchNorm2d;
import sagan4j.nn.Linear;
import sagan4j.reference.ReferenceBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Bad settings, groups and state dicts: one line naming what is wrong, and nothing changed. */
class OptimizerBadInputTest {
    private static final Backend BE = new ReferenceBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    private static String oneLine(Executable e) {
        return assertThrows(InvalidInputException.class, e).getMessage();
    }

    @Test
    void badLearningRatesAndSettingsAreOneLine() {
        try (Linear l = new Linear(BE, "l", 3, 2, true, new SplittableRandom(1))) {
            assertEquals("adam: lr must be finite and >= 0, got -1.0", oneLine(() -> new AdamOptions(-1f, 0f, 0.9f, 1e-8f)));
            assertEquals("adam: beta1 must be in [0, 1), got 1.0", oneLine(() -> AdamOptions.ttur(1e-4f).withBeta1(1f)));
            assertEquals("learning rate must be finite and >= 0, got -0.001", oneLine(() -> new ParamGroup(l.weights(), -1e-3f)));
            ParamGroup g = new ParamGroup(l.weights(), 1e-3f);
            assertEquals("learning rate must be finite and >= 0, got NaN", oneLine(() -> g.lr(Float.NaN)));
            assertEquals(1e-3f, g.lr(), "a rejected rate leaves the group's");
            assertEquals("linear decay: expected 0 <= start < end, got start 5, end 5", oneLine(() -> LrSchedule.linearDecay(5, 5)));
            try (Adam adam = new Adam(AdamOptions.ttur(1e-4f), g)) {
                adam.schedule(t -> -1);
                assertEquals("lr schedule: factor at step 1 must be finite and >= 0, got -1.0", oneLine(adam::step));
                assertEquals(0, adam.steps(), "no step was taken");
            }
        }
    }

    @Test
    void badGroupsAreOneLine() {
        try (Linear l = new Linear(BE, "l", 3, 2, true, new SplittableRandom(1));
             ConditionalBatchNorm2d bn = new ConditionalBatchNorm2d(BE, "bn", 4, 2)) {
            assertEquals("param group: needs at least one trainable parameter, got none", oneLine(() -> new ParamGroup(List.of(), 1e-3f)));
            assertEquals("param group: bn.running_mean is a buffer (no gradient), expected trainable parameters only",
                    oneLine(() -> new ParamGroup(bn.parameters(), 1e-3f)));
            assertEquals("optimizer: l.weight is listed twice (in one param group or two)",
                    oneLine(() -> new Adam(AdamOptions.ttur(1e-4f), new ParamGroup(l.weights(), 1e-3f), new ParamGroup(l.weights(), 1e-3f))));
        }
    }

    @Test
    void aStateDictThatDoesNotMatchIsOneLineAndLoadsNothing() {
        try (Linear l = new Linear(BE, "l", 3, 2, true, new SplittableRandom(1)); Adam adam = new Adam(l.weights(), AdamOptions.ttur(1e-4f))) {
            BE.upload(new float[] {1, 2, 3, 4, 5, 6}, l.weights().get(0).grad());
            adam.step();
            StateDict good = adam.stateDict();
            Map<String, NpyArray> missing = new LinkedHashMap<>(good.tensors());
            missing.remove("l.bias.v");
            missing.put("l.bias.w", good.tensors().get("l.bias.m"));
            Map<String, NpyArray> reshaped = new LinkedHashMap<>(good.tensors());
            reshaped.put("l.weight.m", NpyArray.ofFloats(new float[6], 3, 2));
            Map<String, NpyArray> ints = new LinkedHashMap<>(good.tensors());
            ints.put("l.bias.m", NpyArray.ofInts(new int[2], 2));
            assertEquals("optimizer state: does not match the optimizer's parameters (missing l.bias.v, unexpected l.bias.w)",
                    oneLine(() -> adam.loadStateDict(new StateDict(5, good.lrs(), missing))));
            assertEquals("optimizer state: l.weight.m is F32 [3, 2], expected F32 [2, 3]",
                    oneLine(() -> adam.loadStateDict(new StateDict(5, good.lrs(), reshaped))));
            assertEquals("optimizer state: l.bias.m is I32 [2], expected F32 [2]",
                    oneLine(() -> adam.loadStateDict(new StateDict(5, good.lrs(), ints))));
            assertEquals("optimizer state: has 2 learning rate(s), expected one per param group (1)",
                    oneLine(() -> adam.loadStateDict(new StateDict(5, List.of(1e-4f, 1e-4f), good.tensors()))));
            assertEquals("learning rate must be finite and >= 0, got -1.0",
                    oneLine(() -> adam.loadStateDict(new StateDict(5, List.of(-1f), good.tensors()))));
            assertEquals("optimizer state: step count must be >= 0, got -2",
                    oneLine(() -> adam.loadStateDict(new StateDict(-2, good.lrs(), good.tensors()))));
            assertEquals(1, adam.steps(), "the step count is unchanged");
            StateDict after = adam.stateDict();
            good.tensors().forEach((k, v) -> assertArrayEquals(v.floats(), after.tensors().get(k).floats(), k + " is unchanged"));
        }
    }

    @Test
    void aClosedOptimizerSaysSo() {
        try (Linear l = new Linear(BE, "l", 3, 2, true, new SplittableRandom(1))) {
            Adam adam = new Adam(l.weights(), AdamOptions.ttur(1e-4f));
            adam.close();
            assertEquals("optimizer.step: the optimizer was already closed", assertThrows(IllegalStateException.class, adam::step).getMessage());
        }
    }
}
