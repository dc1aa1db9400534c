package sagan4j.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Fatbin parsing against the fatbins kernels/build.sh packaged (target/classes) and hand-made images. */
class FatbinTest {
    private static final int[] SASS_ARCHS = {75, 80, 86, 89, 90, 100, 120};

    @Test
    void packagedFatbinsHoldSassForEveryArchAndPtx120() {
        Map<String, byte[]> images = Fatbin.packagedImages();
        assertFalse(images.isEmpty());
        assertTrue(images.containsKey("elementwise.fatbin"), images.keySet().toString());
        assertTrue(images.containsKey("gemm.fatbin"), images.keySet().toString());
        for (Map.Entry<String, byte[]> image : images.entrySet()) {
            Fatbin fb = Fatbin.parse(image.getValue());
            String what = image.getKey() + ": " + fb.describe();
            assertEquals(1, fb.version(), what);
            assertTrue(fb.hasSass(90), "no sm_90 SASS in " + what);
            assertTrue(fb.hasPtx(120), "no compute_120 PTX in " + what);
            for (int arch : SASS_ARCHS) {
                assertTrue(fb.hasSass(arch), "no sm_" + arch + " SASS in " + what);
            }
            assertEquals(SASS_ARCHS.length + 1, fb.entries().size(), what);
            long end = 0;
            for (Fatbin.Entry e : fb.entries()) {
                assertTrue(e.offset() >= end && e.offset() + e.payloadSize() <= image.getValue().length, what);
                end = e.offset() + e.payloadSize();
                assertTrue(e.payloadSize() > 0, what);
                if (e.isSass() && !e.compressed()) {          // a plain cubin: an ELF file
                    byte[] p = image.getValue();
                    int o = (int) e.offset();
                    assertEquals(0x7F, p[o] & 0xFF, what);
                    assertEquals('E', p[o + 1], what);
                    assertEquals('L', p[o + 2], what);
                    assertEquals('F', p[o + 3], what);
                }
            }
            assertEquals(image.getValue().length, end, "entries end where the fatbin ends: " + what);
            // every listed arch runs; 8.7 (Orin) runs sm_86; 11.0 (Thor) has nothing; 13.0 JITs the PTX
            assertTrue(fb.runsOn(7, 5) && fb.runsOn(8, 0) && fb.runsOn(8, 6) && fb.runsOn(8, 9), what);
            assertTrue(fb.runsOn(9, 0) && fb.runsOn(10, 0) && fb.runsOn(12, 0) && fb.runsOn(12, 1), what);
            assertTrue(fb.runsOn(8, 7) && fb.runsOn(10, 3) && fb.runsOn(13, 0), what);
            assertFalse(fb.runsOn(7, 0) || fb.runsOn(6, 1) || fb.runsOn(11, 0), what);
        }
    }

    @Test
    void rejectsBadMagicWithAClearMessage() {
        byte[] elf = new byte[64];
        elf[0] = 0x7F;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fatbin.parse(elf));
        assertTrue(e.getMessage().contains("not a CUDA fatbin"), e.getMessage());
        assertTrue(e.getMessage().contains("0x464C457F"), e.getMessage());   // what was found
        assertTrue(e.getMessage().contains("0xBA55ED50"), e.getMessage());   // what was expected

        IllegalArgumentException shortData = assertThrows(IllegalArgumentException.class, () -> Fatbin.parse(new byte[3]));
        assertTrue(shortData.getMessage().contains("not a CUDA fatbin"), shortData.getMessage());
    }

    @Test
    void rejectsTruncatedFatbin() {
        byte[] whole = image(entry(Fatbin.KIND_SASS, 90, 100), entry(Fatbin.KIND_PTX, 120, 40));
        Fatbin.parse(whole);
        byte[] cut = Arrays.copyOf(whole, whole.length - 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fatbin.parse(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void parsesHandMadeImage() {
        byte[] data = image(entry(Fatbin.KIND_SASS, 80, 24), entry(Fatbin.KIND_SASS, 90, 16), entry(Fatbin.KIND_PTX, 100, 8));
        Fatbin fb = Fatbin.parse(data);
        assertEquals("sm_80 sm_90 compute_100", fb.describe());
        assertEquals(3, fb.entries().size());
        Fatbin.Entry first = fb.entries().get(0);
        assertEquals(16 + 0x40, first.offset());
        assertEquals(24, first.payloadSize());
        assertFalse(first.compressed());
        assertEquals(24, first.uncompressedSize());
        assertTrue(fb.hasSass(80) && fb.hasSass(90) && fb.hasPtx(100));
        assertFalse(fb.hasPtx(90) || fb.hasSass(100));
        assertTrue(fb.runsOn(8, 0) && fb.runsOn(8, 6) && fb.runsOn(9, 0));
        assertTrue(fb.runsOn(10, 0) && fb.runsOn(12, 0));     // through the compute_100 PTX
        assertFalse(fb.runsOn(7, 5));

        Fatbin sassOnly = Fatbin.parse(image(entry(Fatbin.KIND_SASS, 90, 8)));
        assertTrue(sassOnly.runsOn(9, 0));
        assertFalse(sassOnly.runsOn(10, 0));
        assertFalse(sassOnly.runsOn(8, 9));

        Fatbin empty = Fatbin.parse(image());
        assertTrue(empty.entries().isEmpty());
        assertFalse(empty.runsOn(9, 0));
    }

    @Test
    void compressedFlagAndSize() {
        byte[] e = entry(Fatbin.KIND_PTX, 120, 16);
        ByteBuffer b = ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0x28, 0x8011L);   // flags as nvcc writes them for a zstd-compressed entry
        b.putLong(0x38, 1234L);     // uncompressed size
        Fatbin.Entry entry = Fatbin.parse(image(e)).entries().get(0);
        assertTrue(entry.compressed());
        assertEquals(16, entry.payloadSize());
        assertEquals(1234, entry.uncompressedSize());
    }

    @Test
    void sassRunsOnSameMajorWithMinorAtLeastItsOwn() {
        Fatbin.Entry sm80 = new Fatbin.Entry(Fatbin.KIND_SASS, 80, 0, 0, false, 0);
        assertTrue(sm80.runsOn(8, 0));
        assertTrue(sm80.runsOn(8, 6));
        assertTrue(sm80.runsOn(8, 9));
        assertFalse(sm80.runsOn(9, 0));
        assertFalse(sm80.runsOn(7, 5));
        Fatbin.Entry sm86 = new Fatbin.Entry(Fatbin.KIND_SASS, 86, 0, 0, false, 0);
        assertFalse(sm86.runsOn(8, 0));
        assertTrue(sm86.runsOn(8, 7));
        Fatbin.Entry sm120 = new Fatbin.Entry(Fatbin.KIND_SASS, 120, 0, 0, false, 0);
        assertEquals(12, sm120.archMajor());
        assertEquals(0, sm120.archMinor());
        assertTrue(sm120.runsOn(12, 0));
        assertTrue(sm120.runsOn(12, 1));
        assertFalse(sm120.runsOn(10, 0));
        assertFalse(sm120.runsOn(13, 0));
        assertEquals("sm_120", sm120.archName());
    }

    @Test
    void ptxRunsOnEveryCapabilityAtLeastItsOwn() {
        Fatbin.Entry ptx120 = new Fatbin.Entry(Fatbin.KIND_PTX, 120, 0, 0, false, 0);
        assertTrue(ptx120.runsOn(12, 0));
        assertTrue(ptx120.runsOn(12, 1));
        assertTrue(ptx120.runsOn(13, 0));
        assertTrue(ptx120.runsOn(15, 2));
        assertFalse(ptx120.runsOn(11, 0));
        assertFalse(ptx120.runsOn(10, 3));
        assertFalse(ptx120.runsOn(9, 0));
        assertEquals("compute_120", ptx120.archName());
        Fatbin.Entry ptx86 = new Fatbin.Entry(Fatbin.KIND_PTX, 86, 0, 0, false, 0);
        assertFalse(ptx86.runsOn(8, 0));
        assertTrue(ptx86.runsOn(8, 6));
        assertTrue(ptx86.runsOn(8, 9));
        assertTrue(ptx86.runsOn(9, 0));
        Fatbin.Entry unknown = new Fatbin.Entry(7, 90, 0, 0, false, 0);
        assertFalse(unknown.runsOn(9, 0));
    }

    /** An entry as nvcc lays it out: 0x40-byte header, then {@code payload} zero bytes. */
    private static byte[] entry(int kind, int arch, int payload) {
        ByteBuffer b = ByteBuffer.allocate(0x40 + payload).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0x00, (short) kind);
        b.putShort(0x02, (short) 0x0101);
        b.putInt(0x04, 0x40);
        b.putLong(0x08, payload);
        b.putShort(0x18, (short) 8);
        b.putShort(0x1A, (short) 1);
        b.putInt(0x1C, arch);
        b.putLong(0x28, 0x11L);
        return b.array();
    }

    /** A fatbin container around {@code entries}. */
    private static byte[] image(byte[]... entries) {
        int size = 0;
        for (byte[] e : entries) {
            size += e.length;
        }
        ByteBuffer b = ByteBuffer.allocate(16 + size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Fatbin.MAGIC).putShort((short) 1).putShort((short) 16).putLong(size);
        for (byte[] e : entries) {
            b.put(e);
        }
        return b.array();
    }
}
