package sagan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy reading and writing, against files assembled byte by byte from the format's specification. */
class NpyTest {

    /** A version-1.0 .npy file as NumPy lays it out: magic, version, header length, padded dict, data. */
    static byte[] handMade(String descr, String shape, byte[] data, int major) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int prefix = major == 1 ? 10 : 12;
        int pad = (64 - (prefix + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            out.write(header.length() & 0xff);
            out.write(header.length() >> 8);
        } else {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(header.length()).array());
        }
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] floats(float... v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            bb.putFloat(f);
        }
        return bb.array();
    }

    @Test
    void readsFloat32Int32AndInt64() {
        NpyArray f = Npy.parse("f", handMade("<f4", "(2, 3)", floats(1, 2, 3, 4, 5, -6.5f), 1));
        assertArrayEquals(new int[] {2, 3}, f.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6.5f}, f.floats());

        ByteBuffer i4 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(3).putInt(0).putInt(9);
        NpyArray labels = Npy.parse("l", handMade("<i4", "(3,)", i4.array(), 1));
        assertArrayEquals(new int[] {3, 0, 9}, labels.ints());

        ByteBuffer i8 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(2);
        NpyArray l64 = Npy.parse("l64", handMade("<i8", "(2,)", i8.array(), 2));
        assertArrayEquals(new int[] {7, 2}, l64.ints());
        assertArrayEquals(new int[] {2}, l64.shape());
    }

    @Test
    void writesWhatItReadsAndWhatNumpyWrites() {
        byte[] numpyLayout = handMade("<f4", "(2, 2)", floats(0.5f, 1.5f, 2.5f, 3.5f), 1);
        NpyArray a = NpyArray.ofFloats(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, 2, 2);
        assertArrayEquals(numpyLayout, Npy.encode(a), "byte-identical to NumPy's own layout");
        NpyArray oneD = NpyArray.ofInts(new int[] {4, 5, 6}, 3);
        NpyArray back = Npy.parse("x", Npy.encode(oneD));
        assertArrayEquals(oneD.ints(), back.ints());
        assertArrayEquals(new int[] {3}, back.shape());
        assertEquals(0, (Npy.encode(oneD).length - 12) % 64, "header padded to a multiple of 64 bytes");
    }

    @Test
    void rejectsWhatItCannotReadWithTheFileName() {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.parse("x.npy", new byte[20]));
        assertTrue(e.getMessage().startsWith("x.npy: not a .npy file"), e.getMessage());
        e = assertThrows(NpyFormatException.class, () -> Npy.parse("d.npy", handMade("<f8", "(1,)", new byte[8], 1)));
        assertEquals("d.npy: dtype '<f8' is not supported (expected float32 '<f4', or int32 '<i4' / int64 '<i8' for labels)",
                e.getMessage());
        e = assertThrows(NpyFormatException.class, () -> Npy.parse("t.npy", handMade("<f4", "(3,)", floats(1, 2), 1)));
        assertEquals("t.npy: shape [3] of <f4 needs 12 data bytes, the file has 8", e.getMessage());
        byte[] fortran = new String(handMade("<f4", "(1,)", floats(1), 1), StandardCharsets.ISO_8859_1)
                .replace("False", "True ").getBytes(StandardCharsets.ISO_8859_1);
        e = assertThrows(NpyFormatException.class, () -> Npy.parse("f.npy", fortran));
        assertTrue(e.getMessage().contains("Fortran-order arrays are not supported"), e.getMessage());
        ByteBuffer big = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        e = assertThrows(NpyFormatException.class, () -> Npy.parse("b.npy", handMade("<i8", "(1,)", big.array(), 1)));
        assertTrue(e.getMessage().contains("does not fit in int32"), e.getMessage());
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("y.npy");
        Files.writeString(f, "old");
        Npy.write(f, NpyArray.ofFloats(new float[] {1, 2}, 2));
        assertArrayEquals(new float[] {1, 2}, Npy.read(f).floats());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only y.npy remains");
        }
    }
}
