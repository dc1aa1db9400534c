package sagan4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the {@code .safetensors} format (as the Python {@code safetensors} package does): an
 * 8-byte little-endian header length N, N bytes of JSON mapping each name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets into the data section) plus an
 * optional {@code "__metadata__"} map of strings, then the raw little-endian data. sagan4j writes F32
 * (and I32 for integer buffers), names sorted, the header padded with spaces to a multiple of 8 bytes.
 */
public final class SafeTensors {
    private SafeTensors() {
    }

    /** The file's bytes for {@code tensors} (written in name order) and {@code metadata}. */
    public static byte[] encode(Map<String, NpyArray> tensors, Map<String, String> metadata) {
        Map<String, NpyArray> sorted = new TreeMap<>(tensors);
        byte[] header = header(sorted, metadata);
        long offset = 0;
        for (NpyArray a : sorted.values()) {
            offset += 4 * a.size();
        }
        ByteBuffer bb = ByteBuffer.allocate(Math.toIntExact(8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(header.length).put(header);
        for (NpyArray a : sorted.values()) {
            if (a.isFloat()) {
                for (float f : a.floats()) {
                    bb.putFloat(f);
                }
            } else {
                for (int v : a.ints()) {
                    bb.putInt(v);
                }
            }
        }
        return bb.array();
    }

    /** Writes atomically (temporary file, then rename). */
    /**
     * The JSON header of {@code sorted} (in its iteration order, data back to back) and {@code metadata},
     * padded with spaces to a multiple of 8 bytes.
     */
    static byte[] header(Map<String, NpyArray> sorted, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            boolean first = true;
            for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                json.append(first ? "" : ",").append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                first = false;
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, NpyArray> e : sorted.entrySet()) {
            NpyArray a = e.getValue();
            long bytes = 4 * a.size();
            json.append(json.length() > 1 ? "," : "").append(Json.quote(e.getKey())).append(":{\"dtype\":\"")
                    .append(a.isFloat() ? "F32" : "I32").append("\",\"shape\":[");
            for (int i = 0; i < a.shape().length; i++) {
                json.append(i == 0 ? "" : ",").append(a.shape()[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        while ((json.length() + 8) % 8 != 0) {
            json.append(' ');
        }
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static void write(Path file, Map<String, NpyArray> tensors, Map<String, String> metadata) throws IOException {
        AtomicFiles.write(file, encode(tensors, metadata));
    }

    /** What a file holds: tensors in file order, and the metadata. */
    public record Contents(Map<String, NpyArray> tensors, Map<String, String> metadata) {
    }

    public static Contents read(Path file) {
        byte[] bytes = Npy.readAll(file, "SafeTensors.read");
        return parse(file.toString(), bytes);
    }

    @SuppressWarnings("unchecked")
    public static Contents parse(String name, byte[] bytes) {
        java.util.Objects.requireNonNull(name, "SafeTensors.parse: name is null (expected the file name for messages)");
        java.util.Objects.requireNonNull(bytes, "SafeTensors.parse: bytes is null (expected the file's contents)");
        if (bytes.length < 8) {
            throw new NpyFormatException(name + ": not a .safetensors file (" + bytes.length + " bytes)");
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        if (n < 2 || n > bytes.length - 8) {
            throw new NpyFormatException(name + ": not a .safetensors file (header length " + n + ", file " + bytes.length + " bytes)");
        }
        Object parsed;
        try {
            parsed = Json.parse(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(name + ": bad .safetensors header: " + Npy.printable(e.getMessage()));
        }
        if (!(parsed instanceof Map)) {
            throw new NpyFormatException(name + ": bad .safetensors header: not a JSON object");
        }
        long dataStart = 8 + n, dataLen = bytes.length - dataStart;
        Map<String, NpyArray> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) parsed).entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                if (e.getValue() instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                }
                continue;
            }
            tensors.put(e.getKey(), tensor(name, e.getKey(), e.getValue(), bb, dataStart, dataLen));
        }
        return new Contents(tensors, metadata);
    }

    /**
     * One tensor's header entry, checked: a known dtype, a shape of non-negative ints whose product fits one
     * Java array, and data_offsets [begin, end) of exactly that many bytes inside the data section.
     */
    record Entry(String dtype, int[] shape, long count, long begin, long end) {
        int item() {
            return dtype.equals("I64") ? 8 : 4;
        }

        /** @param dtypes the dtypes this reader accepts, in the words of its error message ("F32, I32 or I64") */
        @SuppressWarnings("unchecked")
        static Entry of(String file, String key, Object spec, long dataLen, List<String> dtypes, String dtypesText) {
            if (!(spec instanceof Map)) {
                throw new NpyFormatException(file + ": tensor '" + key + "' has no {dtype, shape, data_offsets} entry");
            }
            Map<String, Object> m = (Map<String, Object>) spec;
            String dtype = String.valueOf(m.get("dtype"));
            if (!dtypes.contains(dtype)) {
                throw new NpyFormatException(file + ": tensor '" + key + "' has dtype " + Npy.printable(dtype) + " (expected " + dtypesText + ")");
            }
            List<Object> shapeList = m.get("shape") instanceof List<?> l ? (List<Object>) l : null;
            List<Object> offsets = m.get("data_offsets") instanceof List<?> l ? (List<Object>) l : null;
            if (shapeList == null || offsets == null || offsets.size() != 2) {
                throw new NpyFormatException(file + ": tensor '" + key + "' needs a shape list and two data_offsets");
            }
            int[] shape = new int[shapeList.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                long d = integer(file, key, "shape", shapeList.get(i));
                if (d < 0 || d > Integer.MAX_VALUE) {
                    throw new NpyFormatException(file + ": tensor '" + key + "' has shape entry " + d + " (expected 0 to " + Integer.MAX_VALUE + ")");
                }
                shape[i] = (int) d;
                count *= d;
                if (count > Integer.MAX_VALUE) {
                    throw new NpyFormatException(file + ": tensor '" + key + "' has shape " + Npy.printable(shapeList.toString())
                            + ", more elements than one Java array holds (" + Integer.MAX_VALUE + ")");
                }
            }
            long begin = integer(file, key, "data_offsets", offsets.get(0)), end = integer(file, key, "data_offsets", offsets.get(1));
            int item = dtype.equals("I64") ? 8 : 4;
            // end - begin cannot overflow: begin >= 0 and end <= dataLen are checked first
            if (begin < 0 || end < begin || end > dataLen || end - begin != count * item) {
                throw new NpyFormatException(file + ": tensor '" + key + "' " + java.util.Arrays.toString(shape) + " " + dtype
                        + " needs " + count * item + " bytes, data_offsets give [" + begin + ", " + end + ") of " + dataLen);
            }
            return new Entry(dtype, shape, count, begin, end);
        }
    }

    private static NpyArray tensor(String file, String key, Object spec, ByteBuffer bb, long dataStart, long dataLen) {
        Entry t = Entry.of(file, key, spec, dataLen, List.of("F32", "I32", "I64"), "F32, I32 or I64");
        String dtype = t.dtype();
        int[] shape = t.shape();
        long count = t.count(), begin = t.begin();
        int item = t.item();
        int at = (int) (dataStart + begin);
        if (dtype.equals("F32")) {
            float[] f = new float[(int) count];
            for (int i = 0; i < f.length; i++) {
                f[i] = bb.getFloat(at + 4 * i);
            }
            return NpyArray.ofFloats(f, shape);
        }
        int[] v = new int[(int) count];
        for (int i = 0; i < v.length; i++) {
            long x = item == 4 ? bb.getInt(at + 4 * i) : bb.getLong(at + 8 * i);
            if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
                throw new NpyFormatException(file + ": tensor '" + key + "' holds the I64 value " + x + " at index " + i
                        + ", which does not fit in int32");
            }
            v[i] = (int) x;
        }
        return NpyArray.ofInts(v, shape);
    }

    /** A JSON integer of a tensor's entry, or one line naming what was there instead. */
    private static long integer(String file, String key, String field, Object v) {
        if (v instanceof Long l) {
            return l;
        }
        throw new NpyFormatException(file + ": tensor '" + key + "' has " + field + " entry " + Npy.printable(String.valueOf(v)) + " (expected an integer)");
    }

    /** The names of a file's tensors, in file order. */
    public static List<String> names(Contents c) {
        return new ArrayList<>(c.tensors().keySet());
    }
}
