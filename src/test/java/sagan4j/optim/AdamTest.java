package sagan4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.nn.Linear;
import sagan4j.nn.Parameter;
import sagan4j.reference.ReferenceBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.random;

/**
 * {@link Adam} over param groups against a hand-written double-precision Adam carried over several steps (its own
 * double state, not the optimizer's floats): bias correction, two groups at different learning rates, a rate
 * changed by hand and by a schedule in the middle of a run; and the state dict's round trip.
 */
class AdamTest {
    private static final Backend BE = new ReferenceBackend();
    private static final AdamOptions OPTIONS = new AdamOptions(2e-3f, 0.5f, 0.99f, 1e-8f); // β1 > 0: m carries history

    @AfterAll
    static void close() {
        BE.close();
    }

    /** Adam as Kingma and Ba write it, in double, for one tensor. */
    private static final class DoubleAdam {
        final double[] p, m, v;

        DoubleAdam(float[] p0) {
            p = new double[p0.length];
            for (int i = 0; i < p0.length; i++) {
                p[i] = p0[i];
            }
            m = new double[p0.length];
            v = new double[p0.length];
        }

        void step(float[] g, double lr, long t) {
            double b1 = OPTIONS.beta1(), b2 = OPTIONS.beta2();
            for (int i = 0; i < p.length; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * (double) g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(b1, t)), vHat = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + OPTIONS.eps());
            }
        }
    }

    /** Two small linear layers: group A (the first's weight and bias) and group B (the second's). */
    private static List<Linear> layers(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return List.of(new Linear(BE, "a", 5, 3, true, rng), new Linear(BE, "b", 4, 7, true, rng));
    }

    private static List<Parameter> params(List<Linear> ls) {
        List<Parameter> out = new ArrayList<>();
        ls.forEach(l -> out.addAll(l.weights()));
        return out;
    }

    private static void setGradients(List<Parameter> ps, SplittableRandom rng, List<float[]> into) {
        into.clear();
        for (Parameter p : ps) {
            float[] g = random(rng, (int) p.value().size(), 0.5);
            BE.upload(g, p.grad());
            into.add(g);
        }
    }

    @Test
    void twoGroupsUnderALinearDecayMatchTheDoubleLoopStepByStep() {
        List<Linear> ls = layers(1);
        List<Parameter> ps = params(ls);
        ParamGroup a = new ParamGroup(ls.get(0).weights(), 2e-3f), b = new ParamGroup(ls.get(1).weights(), 5e-4f);
        List<DoubleAdam> ref = ps.stream().map(p -> new DoubleAdam(BE.toHostFloats(p.value()))).toList();
        SplittableRandom rng = new SplittableRandom(7);
        List<float[]> g = new ArrayList<>();
        // factors 1, 1, 0.75, 0.5, 0.25, 0: the rate falls in the middle of the run and the last step moves nothing
        LrSchedule decay = LrSchedule.linearDecay(2, 6);
        try (Adam adam = new Adam(OPTIONS, a, b)) {
            adam.schedule(decay);
            for (long t = 1; t <= 6; t++) {
                setGradients(ps, rng, g);
                float[] before = BE.toHostFloats(ps.get(0).value());
                adam.step();
                assertEquals(t, adam.steps());
                assertEquals((float) (2e-3f * decay.factor(t)), a.lr(), "group A's lr at step " + t);
                assertEquals((float) (5e-4f * decay.factor(t)), b.lr(), "group B's lr at step " + t);
                StateDict state = adam.stateDict();
                for (int i = 0; i < ps.size(); i++) {
                    ref.get(i).step(g.get(i), i < 2 ? a.lr() : b.lr(), t);
                    String what = "step " + t + " " + ps.get(i).name();
                    assertMatches(what, ps.get(i), ref.get(i), t);
                    assertClose(what + " m", state.tensors().get(ps.get(i).name() + ".m").floats(), ref.get(i).m, 1e-6);
                    assertClose(what + " v", state.tensors().get(ps.get(i).name() + ".v").floats(), ref.get(i).v, 1e-6);
                }
                if (t == 6) {
                    assertArrayEquals(before, BE.toHostFloats(ps.get(0).value()), "lr 0 leaves the weights where they were");
                }
            }
        } finally {
            ls.forEach(Linear::close);
        }
    }

    @Test
    void aLearningRateSetByHandInTheMiddleOfARunTakesEffectAtTheNextStepOfItsGroupOnly() {
        List<Linear> ls = layers(2);
        List<Parameter> ps = params(ls);
        ParamGroup a = new ParamGroup(ls.get(0).weights(), 1e-3f), b = new ParamGroup(ls.get(1).weights(), 3e-3f);
        List<DoubleAdam> ref = ps.stream().map(p -> new DoubleAdam(BE.toHostFloats(p.value()))).toList();
        SplittableRandom rng = new SplittableRandom(8);
        List<float[]> g = new ArrayList<>();
        try (Adam adam = new Adam(OPTIONS, a, b)) {
            for (long t = 1; t <= 5; t++) {
                if (t == 3) {
                    a.lr(4e-3f);
                }
                setGradients(ps, rng, g);
                adam.step();
                for (int i = 0; i < ps.size(); i++) {
                    ref.get(i).step(g.get(i), i < 2 ? (t < 3 ? 1e-3f : 4e-3f) : 3e-3f, t);
                    assertMatches("step " + t + " " + ps.get(i).name(), ps.get(i), ref.get(i), t);
                }
            }
            assertEquals(1e-3f, a.initialLr(), "the initial rate is what a schedule scales; setting lr keeps it");
        } finally {
            ls.forEach(Linear::close);
        }
    }

    /**
     * The weights within the rounding of storing p in float once per step (half an ulp each, so t ulps after t steps)
     * plus 1e-5 of the whole move for the float moments (the moments themselves: within 1e-6, relative L2).
     */
    private static void assertMatches(String what, Parameter p, DoubleAdam ref, long t) {
        float[] got = BE.toHostFloats(p.value());
        for (int i = 0; i < got.length; i++) {
            double allowed = t * Math.ulp((float) ref.p[i]) + 1e-5 * t * OPTIONS.lr();
            if (!(Math.abs(got[i] - ref.p[i]) <= allowed)) {
                fail(what + ": p[" + i + "] is " + got[i] + ", the double loop's " + ref.p[i] + " (within " + allowed + ")");
            }
        }
    }

    @Test
    void zeroGradClearsTheGradientOfEveryParameterOfEveryGroup() {
        List<Linear> ls = layers(3);
        List<Parameter> ps = params(ls);
        try (Adam adam = new Adam(OPTIONS, new ParamGroup(ls.get(0).weights(), 1e-3f), new ParamGroup(ls.get(1).weights(), 1e-3f))) {
            setGradients(ps, new SplittableRandom(9), new ArrayList<>());
            adam.zeroGrad();
            for (Parameter p : ps) {
                assertArrayEquals(new float[(int) p.value().size()], BE.toHostFloats(p.grad()), p.name());
            }
        } finally {
            ls.forEach(Linear::close);
        }
    }

    @Test
    void aStateDictLoadedIntoAFreshAdamContinuesExactlyAsTheUninterruptedRun() {
        List<Linear> whole = layers(4), split = layers(4);
        List<Parameter> pw = params(whole), ps = params(split);
        SplittableRandom rngW = new SplittableRandom(10), rngS = new SplittableRandom(10);
        List<float[]> g = new ArrayList<>();
        LrSchedule decay = LrSchedule.linearDecay(1, 8);
        try (Adam uninterrupted = new Adam(OPTIONS, new ParamGroup(whole.get(0).weights(), 2e-3f), new ParamGroup(whole.get(1).weights(), 1e-3f))) {
            uninterrupted.schedule(decay);
            for (int t = 1; t <= 6; t++) {
                setGradients(pw, rngW, g);
                uninterrupted.step();
            }
            StateDict saved;
            try (Adam first = new Adam(OPTIONS, new ParamGroup(split.get(0).weights(), 2e-3f), new ParamGroup(split.get(1).weights(), 1e-3f))) {
                first.schedule(decay);
                for (int t = 1; t <= 3; t++) {
                    setGradients(ps, rngS, g);
                    first.step();
                }
                saved = first.stateDict();
            }
            assertEquals(3, saved.steps());
            assertEquals(List.of("a.weight.m", "a.weight.v", "a.bias.m", "a.bias.v", "b.weight.m", "b.weight.v", "b.bias.m", "b.bias.v"),
                    List.copyOf(saved.tensors().keySet()), "named by parameter and slot, in order");
            try (Adam resumed = new Adam(OPTIONS, new ParamGroup(split.get(0).weights(), 2e-3f), new ParamGroup(split.get(1).weights(), 1e-3f))) {
                resumed.schedule(decay);
                resumed.loadStateDict(saved);
                assertEquals(3, resumed.steps());
                assertEquals(saved.lrs(), resumed.paramGroups().stream().map(ParamGroup::lr).toList());
                for (int t = 4; t <= 6; t++) {
                    setGradients(ps, rngS, g);
                    resumed.step();
                }
                for (int i = 0; i < pw.size(); i++) {
                    assertArrayEquals(BE.toHostFloats(pw.get(i).value()), BE.toHostFloats(ps.get(i).value()), pw.get(i).name() + " bit for bit");
                }
                assertEquals(uninterrupted.stateDict().tensors().keySet(), resumed.stateDict().tensors().keySet());
                uninterrupted.stateDict().tensors().forEach((k, v) -> assertArrayEquals(v.floats(), resumed.stateDict().tensors().get(k).floats(), k));
            }
        } finally {
            whole.forEach(Linear::close);
            split.forEach(Linear::close);
        }
    }

    @Test
    void theLearningRateInAStateDictIsRestored() {
        List<Linear> ls = layers(5);
        try (Adam one = new Adam(ls.get(0).weights(), OPTIONS)) {
            one.paramGroups().get(0).lr(7e-4f);
            one.step();
            StateDict saved = one.stateDict();
            one.paramGroups().get(0).lr(1f);
            one.loadStateDict(saved);
            assertEquals(7e-4f, one.paramGroups().get(0).lr());
            assertEquals(1, one.steps());
        } finally {
            ls.forEach(Linear::close);
        }
    }

    @Test
    void theConstantScheduleKeepsTheInitialRateBitForBit() {
        List<Linear> ls = layers(6);
        try (Adam adam = new Adam(ls.get(0).weights(), OPTIONS)) {
            adam.schedule(LrSchedule.constant());
            for (int t = 1; t <= 3; t++) {
                adam.step();
                assertEquals(OPTIONS.lr(), adam.paramGroups().get(0).lr());
            }
        } finally {
            ls.forEach(Linear::close);
        }
    }

    @Test
    void linearDecayHoldsThenFallsInAStraightLineToZero() {
        LrSchedule s = LrSchedule.linearDecay(2, 6);
        double[] want = {1, 1, 0.75, 0.5, 0.25, 0, 0};
        long[] at = {1, 2, 3, 4, 5, 6, 100};
        for (int i = 0; i < at.length; i++) {
            assertEquals(want[i], s.factor(at[i]), "factor at step " + at[i]);
        }
    }
}
