package sagan4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code .safetensors} files of any size (checkpoints: BigGAN-128 with Adam and EMA is ~2.2 GB), streamed
 * through a 1 MiB buffer instead of built in one array, carrying the SHA-256 of their data section in the
 * metadata key {@value #CHECKSUM_KEY}. Written atomically ({@link AtomicFiles}: a temporary file, forced,
 * renamed over the target, the folder forced), so a crash leaves the old file or the new one. Reading
 * recomputes the checksum and refuses a file whose data does not match.
 */
public final class StreamedSafeTensors {
    public static final String CHECKSUM_KEY = "sha256";
    private static final int BUFFER = 1 << 20;

    private StreamedSafeTensors() {
    }

    public static void write(Path target, Map<String, NpyArray> tensors, Map<String, String> metadata) throws IOException {
        Map<String, NpyArray> sorted = new TreeMap<>(tensors);
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        for (NpyArray a : sorted.values()) {
            // the digest goes first because the header, which holds it, precedes the data
            stream(a, buf, b -> sha.update(b));
        }
        drain(buf, b -> sha.update(b));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put(CHECKSUM_KEY, HexFormat.of().formatHex(sha.digest()));
        byte[] header = SafeTensors.header(sorted, meta);
        AtomicFiles.write(target, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            writeFully(ch, head);
            for (NpyArray a : sorted.values()) {
                stream(a, buf, b -> writeFully(ch, b));
            }
            drain(buf, b -> writeFully(ch, b));
        });
    }

    /**
     * Reads every tensor, checking the SHA-256 of the data section when the file carries one.
     *
     * @throws NpyFormatException one line naming the file when it is not a .safetensors file or fails its checksum
     */
    @SuppressWarnings("unchecked")
    public static SafeTensors.Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, file);
            long n = len.flip().getLong();
            if (n < 2 || 8 + n > size || n > Integer.MAX_VALUE) {
                throw new NpyFormatException(file + ": not a .safetensors file (header length " + n + ", file " + size + " bytes)");
            }
            ByteBuffer head = ByteBuffer.allocate((int) n);
            readFully(ch, head, file);
            Object parsed;
            try {
                parsed = Json.parse(new String(head.array(), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new NpyFormatException(file + ": bad .safetensors header: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> top)) {
                throw new NpyFormatException(file + ": bad .safetensors header: not a JSON object");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            if (top.get("__metadata__") instanceof Map<?, ?> m) {
                m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
            }
            // tensors in data order; each is checked against the file size before it is read
            TreeMap<Long, Map.Entry<String, Map<String, Object>>> byOffset = new TreeMap<>();
            for (Map.Entry<?, ?> e : top.entrySet()) {
                if (!e.getKey().equals("__metadata__") && e.getValue() instanceof Map<?, ?> spec
                        && spec.get("data_offsets") instanceof List<?> off && off.size() == 2) {
                    byOffset.put(((Number) off.get(0)).longValue(), Map.entry(String.valueOf(e.getKey()), (Map<String, Object>) spec));
                } else if (!e.getKey().equals("__metadata__")) {
                    throw new NpyFormatException(file + ": tensor '" + e.getKey() + "' has no {dtype, shape, data_offsets} entry");
                }
            }
            MessageDigest sha = sha256();
            Map<String, NpyArray> tensors = new LinkedHashMap<>();
            long dataLen = size - 8 - n, expect = 0;
            ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
            buf.limit(0);
            for (Map.Entry<Long, Map.Entry<String, Map<String, Object>>> e : byOffset.entrySet()) {
                String key = e.getValue().getKey();
                Map<String, Object> spec = e.getValue().getValue();
                String dtype = String.valueOf(spec.get("dtype"));
                List<Object> shapeList = spec.get("shape") instanceof List<?> l ? (List<Object>) l : List.of();
                long end = ((Number) ((List<Object>) spec.get("data_offsets")).get(1)).longValue();
                int[] shape = new int[shapeList.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = Math.toIntExact(((Number) shapeList.get(i)).longValue());
                    count *= shape[i];
                }
                if (!dtype.equals("F32") && !dtype.equals("I32")) {
                    throw new NpyFormatException(file + ": tensor '" + key + "' has dtype " + dtype + " (expected F32 or I32)");
                }
                if (e.getKey() != expect || end - e.getKey() != 4 * count || end > dataLen) {
                    throw new NpyFormatException(file + ": tensor '" + key + "' " + java.util.Arrays.toString(shape)
                            + " does not fit its data_offsets [" + e.getKey() + ", " + end + ") in " + dataLen + " data bytes");
                }
                expect = end;
                float[] f = dtype.equals("F32") ? new float[(int) count] : null;
                int[] v = f == null ? new int[(int) count] : null;
                for (int i = 0; i < count; i++) {
                    if (buf.remaining() < 4) {
                        buf.compact();
                        int want = (int) Math.min(buf.remaining(), dataLen - ch.position() + 8 + n);
                        buf.limit(buf.position() + Math.max(want, 0));
                        int start = buf.position();
                        readFully(ch, buf, file);
                        sha.update(buf.array(), start, buf.position() - start);
                        buf.flip();
                    }
                    if (f != null) {
                        f[i] = buf.getFloat();
                    } else {
                        v[i] = buf.getInt();
                    }
                }
                tensors.put(key, f != null ? NpyArray.ofFloats(f, shape) : NpyArray.ofInts(v, shape));
            }
            if (expect != dataLen) {
                throw new NpyFormatException(file + ": " + (dataLen - expect) + " bytes after the last tensor");
            }
            String want = metadata.get(CHECKSUM_KEY);
            if (want != null) {
                String got = HexFormat.of().formatHex(sha.digest());
                if (!got.equals(want)) {
                    throw new NpyFormatException(file + ": fails its SHA-256 checksum (the data hashes to " + got.substring(0, 12)
                            + "…, the header says " + want.substring(0, Math.min(12, want.length())) + "…): damaged or incomplete");
                }
            }
            return new SafeTensors.Contents(tensors, metadata);
        } catch (IOException e) {
            throw new NpyFormatException(file + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private interface Sink {
        void accept(ByteBuffer b) throws IOException;
    }

    /** Appends a's little-endian bytes to buf, handing buf to sink (flipped, then cleared) whenever it fills. */
    private static void stream(NpyArray a, ByteBuffer buf, Sink sink) throws IOException {
        long n = a.size();
        for (long i = 0; i < n; i++) {
            if (buf.remaining() < 4) {
                drain(buf, sink);
            }
            if (a.isFloat()) {
                buf.putFloat(a.floats()[(int) i]);
            } else {
                buf.putInt(a.ints()[(int) i]);
            }
        }
    }

    private static void drain(ByteBuffer buf, Sink sink) throws IOException {
        buf.flip();
        sink.accept(buf);
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Fills b's remaining space from ch. */
    private static void readFully(FileChannel ch, ByteBuffer b, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new NpyFormatException(file + ": truncated (ends inside its data)");
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
