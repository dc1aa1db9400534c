package sagan4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import sagan4j.backend.OneLine;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1, 2 and 3): little-endian float32
 * ({@code <f4}), int32 ({@code <i4}) and int64 ({@code <i8}, narrowed to int for labels), C order only.
 * Writing goes to a temporary file that is renamed into place, so a reader never sees half a file.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static NpyArray read(Path file) {
        byte[] bytes = readAll(file, "Npy.read");
        return parse(file.toString(), bytes);
    }

    /**
     * A whole file as one array, refusing (before allocating) a file larger than a Java array holds.
     *
     * @param caller for the message when {@code file} is null
     */
    static byte[] readAll(Path file, String caller) {
        java.util.Objects.requireNonNull(file, caller + ": file is null (expected a path)");
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 8) {
                throw new NpyFormatException(file + ": " + size + " bytes, more than one Java array holds (" + (Integer.MAX_VALUE - 8) + ")");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new NpyFormatException(file + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    /** Parses the bytes of a .npy file; {@code name} appears in error messages. */
    public static NpyArray parse(String name, byte[] bytes) {
        java.util.Objects.requireNonNull(name, "Npy.parse: name is null (expected the file name for messages)");
        java.util.Objects.requireNonNull(bytes, "Npy.parse: bytes is null (expected the file's contents)");
        if (bytes.length < 10 || !startsWithMagic(bytes)) {
            throw new NpyFormatException(name + ": not a .npy file (expected the magic \\x93NUMPY, got "
                    + Math.min(bytes.length, 6) + " other bytes)");
        }
        int major = bytes[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new NpyFormatException(name + ": truncated .npy header");
            }
            headerLen = bb.getInt(8);
            headerStart = 12;
        } else {
            throw new NpyFormatException(name + ": .npy format version " + major + " is not supported (expected 1, 2 or 3)");
        }
        if (headerLen < 0 || headerStart + (long) headerLen > bytes.length) {
            throw new NpyFormatException(name + ": truncated .npy header (" + headerLen + " bytes announced, "
                    + (bytes.length - headerStart) + " present)");
        }
        String header = new String(bytes, headerStart, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, name, "descr");
        String fortran = group(FORTRAN, header, name, "fortran_order");
        int[] shape = parseShape(group(SHAPE, header, name, "shape"), name);
        if (fortran.equals("True")) {
            throw new NpyFormatException(name + ": Fortran-order arrays are not supported (expected C order; "
                    + "save with np.ascontiguousarray)");
        }
        long count = 1;
        for (int d : shape) {
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new NpyFormatException(name + ": shape " + java.util.Arrays.toString(shape)
                        + " has more elements than one Java array holds (" + Integer.MAX_VALUE + ")");
            }
        }
        int itemSize = switch (descr) {
            case "<f4", "<i4" -> 4;
            case "<i8" -> 8;
            default -> throw new NpyFormatException(name + ": dtype '" + descr
                    + "' is not supported (expected float32 '<f4', or int32 '<i4' / int64 '<i8' for labels)");
        };
        int dataStart = headerStart + headerLen;
        long want = count * itemSize;
        if (bytes.length - dataStart != want) {
            throw new NpyFormatException(name + ": shape " + java.util.Arrays.toString(shape) + " of " + descr
                    + " needs " + want + " data bytes, the file has " + (bytes.length - dataStart));
        }
        int n = (int) count;
        bb.position(dataStart);
        switch (descr) {
            case "<f4": {
                float[] f = new float[n];
                bb.asFloatBuffer().get(f);
                return new NpyArray(shape, f, null);
            }
            case "<i4": {
                int[] v = new int[n];
                bb.asIntBuffer().get(v);
                return new NpyArray(shape, null, v);
            }
            default: {
                int[] v = new int[n];
                var lb = bb.asLongBuffer();
                for (int i = 0; i < n; i++) {
                    long x = lb.get(i);
                    if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
                        throw new NpyFormatException(name + ": int64 value " + x + " at index " + i + " does not fit in int32");
                    }
                    v[i] = (int) x;
                }
                return new NpyArray(shape, null, v);
            }
        }
    }

    /** The bytes of a .npy version 1.0 file holding {@code a} (float32 or int32). */
    public static byte[] encode(NpyArray a) {
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < a.shape().length; i++) {
            shape.append(a.shape()[i]).append(i == 0 && a.shape().length == 1 ? "," : i + 1 < a.shape().length ? ", " : "");
        }
        shape.append(')');
        String dict = "{'descr': '" + (a.isFloat() ? "<f4" : "<i4") + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        int n = (int) a.size();
        ByteBuffer bb = ByteBuffer.allocate(10 + header.length() + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        bb.put(header.getBytes(StandardCharsets.ISO_8859_1));
        if (a.isFloat()) {
            bb.asFloatBuffer().put(a.floats(), 0, n);
        } else {
            bb.asIntBuffer().put(a.ints(), 0, n);
        }
        return bb.array();
    }

    /** Writes atomically: a temporary file in the same folder, then a rename over {@code file}. */
    public static void write(Path file, NpyArray a) throws IOException {
        AtomicFiles.write(file, encode(a));
    }

    private static boolean startsWithMagic(byte[] b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** At most 120 characters of a header, for a message ({@link NpyFormatException} escapes control characters). */
    static String printable(String text) {
        return OneLine.clip(text);
    }

    private static String group(Pattern p, String header, String name, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new NpyFormatException(name + ": .npy header has no '" + key + "' entry: " + printable(header.strip()));
        }
        return m.group(1);
    }

    private static int[] parseShape(String inner, String name) {
        List<Integer> dims = new ArrayList<>();
        for (String part : inner.split(",")) {
            String t = part.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (t.endsWith("L")) {
                t = t.substring(0, t.length() - 1);
            }
            long d;
            try {
                d = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new NpyFormatException(name + ": bad shape entry '" + printable(t) + "' in .npy header");
            }
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new NpyFormatException(name + ": shape entry " + d + " out of range");
            }
            dims.add((int) d);
        }
        if (dims.isEmpty()) {
            dims.add(1); // a 0-d scalar is read as shape [1]
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }
}
