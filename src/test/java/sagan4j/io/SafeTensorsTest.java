package sagan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The .safetensors layout, checked byte by byte against the format's description. */
class SafeTensorsTest {
    @Test
    void layoutIsTheSpecifiedOne() {
        Map<String, NpyArray> t = new LinkedHashMap<>();
        t.put("b", NpyArray.ofFloats(new float[] {1.5f}, 1));
        t.put("a", NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        byte[] bytes = SafeTensors.encode(t, Map.of("format", "pt"));
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).strip();
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}", header);
        assertEquals(8 + n + 28, bytes.length);
        assertEquals(1f, bb.getFloat((int) (8 + n)));
        assertEquals(1.5f, bb.getFloat((int) (8 + n + 24)));
    }

    @Test
    void roundTripsAndReadsWhatOthersWrite() {
        Map<String, NpyArray> t = new LinkedHashMap<>();
        t.put("G.blocks.0.conv1.weight", NpyArray.ofFloats(new float[] {-1, 0.25f, 3, 7}, 1, 1, 2, 2));
        t.put("step", NpyArray.ofInts(new int[] {42}, 1));
        SafeTensors.Contents c = SafeTensors.parse("x", SafeTensors.encode(t, Map.of()));
        assertArrayEquals(t.get("G.blocks.0.conv1.weight").floats(), c.tensors().get("G.blocks.0.conv1.weight").floats());
        assertArrayEquals(new int[] {1, 1, 2, 2}, c.tensors().get("G.blocks.0.conv1.weight").shape());
        assertArrayEquals(new int[] {42}, c.tensors().get("step").ints());
        // A header as another writer may lay it out: unordered keys, whitespace, I64 data.
        String json = "{ \"w\" : { \"data_offsets\" : [8, 16], \"dtype\":\"F32\", \"shape\":[2] },"
                + " \"n\": {\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]} }";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h).putLong(7).putFloat(0.5f).putFloat(-2f);
        SafeTensors.Contents other = SafeTensors.parse("other", bb.array());
        assertArrayEquals(new float[] {0.5f, -2f}, other.tensors().get("w").floats());
        assertArrayEquals(new int[] {7}, other.tensors().get("n").ints());
    }

    @Test
    void badFilesAreOneLine() {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> SafeTensors.parse("f", new byte[4]));
        assertEquals("f: not a .safetensors file (4 bytes)", e.getMessage());
        String json = "{\"w\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.allocate(8 + h.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h);
        e = assertThrows(NpyFormatException.class, () -> SafeTensors.parse("g", bb.array()));
        assertEquals("g: tensor 'w' has dtype F16 (expected F32, I32 or I64)", e.getMessage());
        byte[] broken = "{\"w\":".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b2 = ByteBuffer.allocate(8 + broken.length).order(ByteOrder.LITTLE_ENDIAN);
        b2.putLong(broken.length).put(broken);
        e = assertThrows(NpyFormatException.class, () -> SafeTensors.parse("h", b2.array()));
        assertTrue(e.getMessage().startsWith("h: bad .safetensors header: unexpected end"), e.getMessage());
    }
}
