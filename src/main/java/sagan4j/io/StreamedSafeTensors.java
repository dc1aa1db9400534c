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
    public static SafeTensors.Contents read(Path file) {
        return read(file, false);
    }

    /**
     * {@link #read(Path)}; with {@code requireChecksum} (checkpoints, which are always written with one) a
     * file without its SHA-256 is refused too, so every byte of a file that loads has been checked.
     */
    public static SafeTensors.Contents read(Path file, boolean requireChecksum) {
        java.util.Objects.requireNonNull(file, "StreamedSafeTensors.read: file is null (expected a path)");
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
                throw new NpyFormatException(file + ": bad .safetensors header: " + Npy.printable(e.getMessage()));
            }
            if (!(parsed instanceof Map<?, ?> top)) {
                throw new NpyFormatException(file + ": bad .safetensors header: not a JSON object");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            if (top.get("__metadata__") instanceof Map<?, ?> m) {
                m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
            }
            // tensors in data order, back to back; each entry is checked against the file size before it is read
            long dataLen = size - 8 - n, expect = 0;
            List<Map.Entry<String, SafeTensors.Entry>> byOffset = new java.util.ArrayList<>();
            for (Map.Entry<?, ?> e : top.entrySet()) {
                if (!e.getKey().equals("__metadata__")) {
                    String key = String.valueOf(e.getKey());
                    byOffset.add(Map.entry(key, SafeTensors.Entry.of(file.toString(), key, e.getValue(), dataLen, List.of("F32", "I32"),
                            "F32 or I32")));
                }
            }
            byOffset.sort(java.util.Comparator.comparingLong((Map.Entry<String, SafeTensors.Entry> e) -> e.getValue().begin())
                    .thenComparingLong(e -> e.getValue().end()));
            MessageDigest sha = sha256();
            Map<String, NpyArray> tensors = new LinkedHashMap<>();
            ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
            buf.limit(0);
            for (Map.Entry<String, SafeTensors.Entry> e : byOffset) {
                String key = e.getKey();
                SafeTensors.Entry t = e.getValue();
                String dtype = t.dtype();
                int[] shape = t.shape();
                long count = t.count();
                if (t.begin() != expect) {
                    throw new NpyFormatException(file + ": tensor '" + key + "' " + java.util.Arrays.toString(shape)
                            + " starts at data offset " + t.begin() + ", expected " + expect + " (tensors back to back)");
                }
                expect = t.end();
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
            if (want == null && requireChecksum) {
                throw new NpyFormatException(file + ": has no " + CHECKSUM_KEY + " in its metadata (expected a checkpoint written by sagan4j)");
            }
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
