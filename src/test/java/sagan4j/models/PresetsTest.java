package sagan4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.Slow;

/**
 * The three presets' shapes and parameter counts, against counts worked out here by hand from the
 * architectures as the issue describes them (weights + biases; spectral-norm u, v and batch-norm running
 * statistics are buffers, not parameters).
 */
class PresetsTest {
    private final Backend cpu = new ReferenceBackend();

    private static long conv(int cin, int cout, int k) {
        return (long) cin * cout * k * k + cout;
    }

    private static long linear(int in, int out) {
        return (long) in * out + out;
    }

    /** θ, φ (C→C/8), g (C→C/2), o (C/2→C), all without bias, and σ. */
    private static long attention(int c) {
        return 2L * c * (c / 8) + 2L * c * (c / 2) + 1;
    }

    @Test
    void sagan32() {
        int dim = 64, classes = 10;
        long tables = 2L * classes; // γ and β rows per channel
        long g = linear(128, 4 * 4 * 4 * dim)
                + conv(256, 256, 3) + conv(256, 256, 3) + 2 * tables * 256                     // block 0, 4·DIM → 4·DIM
                + conv(256, 128, 3) + conv(128, 128, 3) + conv(256, 128, 1) + 3 * tables * 128 // block 1 + learned skip
                + attention(128)
                + conv(128, 64, 3) + conv(64, 64, 3) + conv(128, 64, 1) + 3 * tables * 64      // block 2
                + conv(64, 3, 3);
        long d = conv(3, 64, 3) + conv(64, 64, 3) + conv(3, 64, 1)
                + attention(64)
                + conv(64, 128, 3) + conv(128, 128, 3) + conv(64, 128, 1)
                + conv(128, 256, 3) + conv(256, 256, 3) + conv(128, 256, 1)
                + conv(256, 256, 3) + conv(256, 256, 3)                                          // no skip conv, no pooling
                + linear(256, 1) + (long) classes * 256;
        try (Generator gen = new Generator(cpu, GanConfig.preset("sagan32")); Discriminator dis = new Discriminator(cpu, GanConfig.preset("sagan32"))) {
            assertEquals(g, gen.parameterCount());
            assertEquals(d, dis.parameterCount());
            List<Summary.Row> rows = gen.summary().rows();
            assertEquals("G.attention", rows.get(3).path());
            assertArrayEquals(new int[] {128, 16, 16}, rows.get(3).outShape());
            assertArrayEquals(new int[] {3, 32, 32}, rows.get(rows.size() - 1).outShape());
            assertEquals("D.attention", dis.summary().rows().get(1).path());
            assertArrayEquals(new int[] {64, 16, 16}, dis.summary().rows().get(1).outShape());
        }
    }

    @Slow
    @Test
    void biggan32() {
        int dim = 64, shared = 32, chunk = 32, cond = shared + chunk;
        java.util.function.IntToLongFunction dense = c -> 2 * linear(cond, c); // γ and β linears
        long g = 10L * shared + linear(chunk, 4 * 4 * 4 * dim)
                + conv(256, 256, 3) + conv(256, 256, 3) + 2 * dense.applyAsLong(256)
                + conv(256, 128, 3) + conv(128, 128, 3) + conv(256, 128, 1) + 3 * dense.applyAsLong(128)
                + attention(128)
                + conv(128, 64, 3) + conv(64, 64, 3) + conv(128, 64, 1) + 3 * dense.applyAsLong(64)
                + conv(64, 3, 3);
        try (Generator gen = new Generator(cpu, GanConfig.preset("biggan32")); Discriminator dis = new Discriminator(cpu, GanConfig.preset("biggan32"))) {
            assertEquals(g, gen.parameterCount());
            assertEquals("D.attention", dis.summary().rows().get(2).path(), "attention after the second block");
            assertArrayEquals(new int[] {128, 8, 8}, dis.summary().rows().get(2).outShape());
        }
    }

    @Slow
    @Test
    void biggan128() {
        int ch = 96, cond = 128 + 20;
        int[] gIn = {16, 16, 8, 4, 2}, gOut = {16, 8, 4, 2, 1};
        long g = 1000L * 128 + linear(20, 4 * 4 * 16 * ch);
        for (int i = 0; i < 5; i++) {
            int cin = gIn[i] * ch, cout = gOut[i] * ch;
            g += 2 * linear(cond, cin) + 2 * linear(cond, cout)       // bn1 on the input, bn2 on the output channels
                    + conv(cin, cout, 3) + conv(cout, cout, 3) + conv(cin, cout, 1);
        }
        g += attention(2 * ch) + 2L * ch /* bn_out γ, β */ + conv(ch, 3, 3);
        int[] dIn = {0, 1, 2, 4, 8, 16}, dOut = {1, 2, 4, 8, 16, 16};
        long d = 0;
        for (int j = 0; j < 6; j++) {
            int cin = j == 0 ? 3 : dIn[j] * ch, cout = dOut[j] * ch;
            boolean down = j < 5;
            d += conv(cin, cout, 3) + conv(cout, cout, 3) + (cin != cout || down ? conv(cin, cout, 1) : 0);
        }
        d += attention(ch) + linear(16 * ch, 1) + 1000L * 16 * ch;
        // Shapes and counts do not depend on the initialisation: skip the host-side orthogonalisation,
        // which is O(rows²·cols) per weight and slow at this size.
        GanConfig cfg = GanConfig.preset("biggan128").withOrthoInit(false);
        try (Generator gen = new Generator(cpu, cfg); Discriminator dis = new Discriminator(cpu, cfg)) {
            assertEquals(g, gen.parameterCount());
            assertEquals(d, dis.parameterCount());
            // The BigGAN paper (Brock et al. 2018, table 4 / appendix B) reports 70.4M and 88.0M at 128×128, ch 96.
            assertEquals(70.4e6, gen.parameterCount(), 0.05e6);
            assertEquals(88.0e6, dis.parameterCount(), 0.05e6);
            Summary.Row attn = gen.summary().rows().stream().filter(r -> r.path().equals("G.attention")).findFirst().orElseThrow();
            assertArrayEquals(new int[] {192, 64, 64}, attn.outShape(), "attention at 64×64 on 2·ch channels");
        }
    }

    @Test
    void badConfigurationsNameTheSetting() {
        GanConfig base = GanConfig.preset("sagan32");
        ConfigException e = assertThrows(ConfigException.class, () -> new GanConfig("x", base.blocks(), false, 48, 3, 10, 64, 128, 0,
                16, 16, true, true, 0f, false, 1).validate());
        assertEquals("resolution: expected 32, 64 or 128, got 48", e.getMessage());
        e = assertThrows(ConfigException.class, () -> new GanConfig("x", base.blocks(), false, 32, 3, 10, 10, 128, 0,
                16, 16, true, true, 0f, false, 1).validate());
        assertEquals("attention-g: self-attention at 16x16 needs channels divisible by 8, got 20 (ch 10)", e.getMessage());
        e = assertThrows(ConfigException.class, () -> new GanConfig("x", base.blocks(), true, 32, 3, 10, 64, 130, 32,
                16, 8, true, true, 0f, false, 1).validate());
        assertEquals("z-dim: 130 does not split into 4 equal chunks (one per generator block plus one) at resolution 32", e.getMessage());
        e = assertThrows(ConfigException.class, () -> new GanConfig("x", base.blocks(), false, 32, 2, 10, 64, 128, 0,
                16, 16, true, true, 0f, false, 1).validate());
        assertEquals("image-channels: expected 1 or 3, got 2", e.getMessage());
        e = assertThrows(ConfigException.class, () -> GanConfig.preset("stylegan"));
        assertEquals("preset: expected tiny, sagan32, biggan32 or biggan128, got 'stylegan'", e.getMessage());
    }
}
