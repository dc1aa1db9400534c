package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.backend.ConfigException;

/** EMA-G's β per G update, against values worked out by hand from StyleGAN2-ADA's and BigGAN's rules. */
class EmaScheduleTest {
    private static EmaSchedule halfLife(int batch, float kimg, float rampup) {
        TrainConfig c = new TrainConfig();
        c.batch = batch;
        c.emaKimg = kimg;
        c.emaRampup = rampup;
        return EmaSchedule.of(c);
    }

    private static void assertRel(double want, double got, double rel, String what) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want), what + ": expected " + want + ", got " + got);
    }

    @Test
    void halfLifeRampsUpWithTheImagesSeenThenHoldsItsCap() {
        EmaSchedule s = halfLife(32, 10, 0.05f);
        // update 1: no image seen before it, half-life 0, β = 0 (a copy of G)
        assertEquals(0.0, s.betaExact(1));
        assertEquals(0f, s.beta(1));
        // update 2: 32 images seen, half-life 32·0.05 = 1.6 images, β = 0.5^(32/1.6) = 2^-20
        assertRel(Math.pow(2, -20), s.betaExact(2), 1e-6, "β at update 2");
        // update 101: 3200 seen, half-life 160 images (5 steps), β = 2^-0.2 = 0.8705505632961241
        assertRel(0.8705505632961241, s.betaExact(101), 1e-8, "β at update 101");
        assertRel(160, s.halfLifeImages(101), 1e-7, "half-life at 101");
        // update 1000 (docs/training.md's table): 999·32·0.05 = 1598.4 images, β = 0.5^(32/1598.4) = 0.9862190188141722
        assertRel(1598.4, s.halfLifeImages(1000), 1e-7, "half-life at 1000");
        assertRel(0.9862190188141722, s.betaExact(1000), 1e-8, "β at update 1000");
        // update 1001: half-life 1600 images = 50 steps, β = 2^-0.02 = 0.9862327044933592
        assertRel(0.9862327044933592, s.betaExact(1001), 1e-8, "β at update 1001");
        // update 6250: 6249·32·0.05 = 9998.4 images, still ramping
        assertRel(9998.4, s.halfLifeImages(6250), 1e-7, "half-life at 6250");
        // from update 6251 (6250·32·0.05 = 10 000) on: the cap, β = 2^-0.0032 = 0.9977843871238888
        for (long t : List.of(6251L, 10_000L, 100_000L, 10_000_000L)) {
            assertEquals(10_000, s.halfLifeImages(t), 0, "cap at " + t);
            assertRel(0.9977843871238888, s.betaExact(t), 1e-15, "β at " + t);
            assertEquals((float) 0.9977843871238888, s.beta(t), "the float the kernels get at " + t);
        }
    }

    @Test
    void withoutARampTheCapHoldsFromTheFirstUpdate() {
        EmaSchedule s = halfLife(64, 10, 0);
        // 2^-(64/10000) = 2^-0.0064 = 0.9955736831881946
        for (long t : List.of(1L, 2L, 500L)) {
            assertRel(0.9955736831881946, s.betaExact(t), 1e-15, "β at " + t);
        }
    }

    @Test
    void fixedRuleIsACopyUpToItsStartThenTheDecay() {
        TrainConfig c = new TrainConfig();
        c.emaRule = TrainConfig.EmaRule.FIXED;
        c.emaDecay = 0.999f;
        c.emaStart = 3;
        EmaSchedule s = EmaSchedule.of(c);
        assertEquals(List.of(0f, 0f, 0f, 0.999f, 0.999f), List.of(s.beta(1), s.beta(2), s.beta(3), s.beta(4), s.beta(5000)));
    }

    @Test
    void offSwitchesAndBadValues() {
        TrainConfig c = new TrainConfig();
        assertTrue(c.emaOn(), "the default keeps an EMA-G");
        c.emaKimg = 0;
        assertTrue(!c.emaOn(), "--ema-kimg 0: none");
        c.emaRule = TrainConfig.EmaRule.FIXED;
        assertTrue(c.emaOn(), "--ema-kimg is the halflife rule's; the fixed rule still has --ema-decay 0.9999");
        c.emaDecay = 0;
        assertTrue(!c.emaOn(), "--ema-decay 0 under fixed: none");
        assertEquals("--ema-kimg: expected 0 or more (thousands of images), got -1.0",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("ema-kimg", "-1").validate()).getMessage());
        assertEquals("--ema-rampup: expected 0 or more (0: no ramp-up), got -0.5",
                assertThrows(ConfigException.class, () -> new TrainConfig().set("ema-rampup", "-0.5").validate()).getMessage());
        assertEquals(TrainConfig.EmaRule.FIXED, new TrainConfig().set("ema-rule", "fixed").emaRule);
        ConfigException bad = assertThrows(ConfigException.class, () -> new TrainConfig().set("ema-rule", "slow"));
        assertTrue(bad.getMessage().startsWith("--ema-rule: ") && bad.getMessage().contains("halflife") && !bad.getMessage().contains("\n"),
                bad.getMessage());
    }
}
