package sagan4j.cuda.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A CUDA fatbin (what {@code nvcc -fatbin} writes and {@code cuModuleLoadData} accepts): a container of
 * device-code entries, each either SASS (an ELF cubin for one {@code sm_XY}) or PTX (for {@code compute_XY},
 * JIT-compiled by the driver). Parsed only far enough to tell which GPUs the image can run on, so that a
 * mismatch is reported with the archs present instead of the driver's bare
 * {@code CUDA_ERROR_NO_BINARY_FOR_GPU}.
 *
 * <p>Layout, all little-endian, as measured on fatbins written by nvcc 13.0 (hex dumps of
 * {@code kernels/*.cu} builds; there is no published specification):
 * <pre>
 * container header (16 bytes)
 *   0  u32 magic 0xBA55ED50     4  u16 version (1)     6  u16 header size (16)     8  u64 size of the entries
 * entry header (0x40 bytes, or more: 0x50 for PTX, 0x70 for sm_100/sm_120 SASS), payload right after it
 *   0x00 u16 kind (1 PTX, 2 SASS)   0x04 u32 header size   0x08 u64 payload size (stored, padded to 8)
 *   0x10 u32 compressed size (0 when stored plainly)       0x18 u16 minor, 0x1A u16 major version
 *        (PTX ISA version for PTX, e.g. 9.0; 1.8 for SASS) 0x1C u32 arch (75, 90, 120 ...)
 *   0x28 u64 flags: 0x8000 = payload zstd-compressed (it then starts with 28 B5 2F FD)
 *   0x38 u64 uncompressed payload size (when compressed)
 * </pre>
 * nvcc 13's default compression stores PTX compressed and SASS plainly; {@code --compress-mode=size}
 * compresses SASS too. Arch-specific variants ({@code sm_90a}, {@code sm_100f}) are not told apart from
 * plain ones here: sagan4j's build produces none.
 */
public final class Fatbin {
    /** First 4 bytes of every fatbin (read as a little-endian u32). */
    public static final int MAGIC = 0xBA55ED50;
    /** Entry kind of PTX text. */
    public static final int KIND_PTX = 1;
    /** Entry kind of SASS (an ELF cubin for one architecture). */
    public static final int KIND_SASS = 2;
    /** Class-path folder holding the packaged kernels (written by kernels/build.sh). */
    public static final String RESOURCE_DIR = "/sagan4j/kernels/";
    /** Class-path resource listing the packaged fatbin file names, one per line. */
    public static final String INDEX_RESOURCE = RESOURCE_DIR + "index.txt";

    static final int HEADER_SIZE = 16;
    static final int MIN_ENTRY_HEADER_SIZE = 0x40;
    static final long FLAG_COMPRESSED = 0x8000L;

    /**
     * One device-code entry.
     *
     * @param kind             {@link #KIND_PTX}, {@link #KIND_SASS} or another value nvcc may add
     * @param arch             the architecture as major*10 + minor: 90 is sm_90 / compute_90, 120 is 12.0
     * @param offset           where the payload starts in the fatbin
     * @param payloadSize      bytes stored for the payload (compressed size when compressed, padding included)
     * @param compressed       whether the payload is compressed (flag 0x8000)
     * @param uncompressedSize the payload's size once decompressed (= payloadSize when not compressed)
     */
    public record Entry(int kind, int arch, long offset, long payloadSize, boolean compressed, long uncompressedSize) {
        public boolean isPtx() {
            return kind == KIND_PTX;
        }

        public boolean isSass() {
            return kind == KIND_SASS;
        }

        public int archMajor() {
            return arch / 10;
        }

        public int archMinor() {
            return arch % 10;
        }

        /** {@code sm_90} for SASS, {@code compute_120} for PTX, {@code kind7_90} for an unknown kind. */
        public String archName() {
            return switch (kind) {
                case KIND_SASS -> "sm_" + arch;
                case KIND_PTX -> "compute_" + arch;
                default -> "kind" + kind + "_" + arch;
            };
        }

        /**
         * Whether this entry can run on a device of compute capability {@code major.minor}: SASS for sm_XY runs
         * on major X with minor &ge; Y (sm_80 on 8.6, not on 9.0); PTX for compute_XY is JIT-compiled for any
         * capability &ge; X.Y (compute_120 on 12.0, 12.1, 13.0, not on 10.0). Other kinds run nowhere.
         */
        public boolean runsOn(int major, int minor) {
            if (isSass()) {
                return major == archMajor() && minor >= archMinor();
            }
            if (isPtx()) {
                return major > archMajor() || (major == archMajor() && minor >= archMinor());
            }
            return false;
        }
    }

    private final int version;
    private final List<Entry> entries;

    private Fatbin(int version, List<Entry> entries) {
        this.version = version;
        this.entries = Collections.unmodifiableList(entries);
    }

    /**
     * Parses the container header and every entry header of {@code data}.
     *
     * @throws IllegalArgumentException if {@code data} is not a fatbin (wrong magic, too short) or is truncated
     */
    public static Fatbin parse(byte[] data) {
        if (data == null) {
            throw new IllegalArgumentException("not a CUDA fatbin: null");
        }
        if (data.length < HEADER_SIZE) {
            throw new IllegalArgumentException("not a CUDA fatbin: " + data.length
                    + " bytes, shorter than the " + HEADER_SIZE + "-byte fatbin header");
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new IllegalArgumentException(String.format(
                    "not a CUDA fatbin: bad magic 0x%08X (first 4 bytes, little-endian), expected 0x%08X", magic, MAGIC));
        }
        int version = Short.toUnsignedInt(b.getShort(4));
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long fatSize = b.getLong(8);
        if (headerSize < HEADER_SIZE || headerSize > data.length || fatSize < 0 || fatSize > data.length - headerSize) {
            throw new IllegalArgumentException("truncated or corrupt CUDA fatbin: header size " + headerSize
                    + " + entries " + Long.toUnsignedString(fatSize) + " bytes, but the data has " + data.length);
        }
        long end = headerSize + fatSize;
        List<Entry> entries = new ArrayList<>();
        long off = headerSize;
        while (off < end) {
            if (end - off < MIN_ENTRY_HEADER_SIZE) {
                throw new IllegalArgumentException("corrupt CUDA fatbin: entry " + entries.size() + " at offset " + off
                        + " has " + (end - off) + " bytes left, less than an entry header (" + MIN_ENTRY_HEADER_SIZE + ")");
            }
            int at = (int) off;
            int kind = Short.toUnsignedInt(b.getShort(at));
            long entryHeaderSize = Integer.toUnsignedLong(b.getInt(at + 0x04));
            long payloadSize = b.getLong(at + 0x08);
            int arch = b.getInt(at + 0x1C);
            long flags = b.getLong(at + 0x28);
            long uncompressed = b.getLong(at + 0x38);
            if (entryHeaderSize < MIN_ENTRY_HEADER_SIZE || payloadSize < 0
                    || entryHeaderSize > end - off || payloadSize > end - off - entryHeaderSize) {
                throw new IllegalArgumentException("truncated or corrupt CUDA fatbin: entry " + entries.size()
                        + " at offset " + off + " declares a " + entryHeaderSize + "-byte header and "
                        + Long.toUnsignedString(payloadSize) + " bytes of payload, but only " + (end - off)
                        + " bytes of the fatbin remain");
            }
            boolean compressed = (flags & FLAG_COMPRESSED) != 0;
            entries.add(new Entry(kind, arch, off + entryHeaderSize, payloadSize, compressed,
                    compressed ? uncompressed : payloadSize));
            off += entryHeaderSize + payloadSize;
        }
        return new Fatbin(version, entries);
    }

    /** The container format version (1 for every nvcc seen so far). */
    public int version() {
        return version;
    }

    /** The entries in file order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Whether the image holds SASS for exactly {@code sm_<arch>} (e.g. 90). */
    public boolean hasSass(int arch) {
        return entries.stream().anyMatch(e -> e.isSass() && e.arch() == arch);
    }

    /** Whether the image holds PTX for exactly {@code compute_<arch>} (e.g. 120). */
    public boolean hasPtx(int arch) {
        return entries.stream().anyMatch(e -> e.isPtx() && e.arch() == arch);
    }

    /** Whether some entry runs on a device of compute capability {@code major.minor} (SASS, or PTX by JIT). */
    public boolean runsOn(int major, int minor) {
        return entries.stream().anyMatch(e -> e.runsOn(major, minor));
    }

    /** The entries' archs in file order, e.g. {@code "sm_75 sm_80 sm_90 compute_120"}. */
    public String describe() {
        StringJoiner j = new StringJoiner(" ");
        for (Entry e : entries) {
            j.add(e.archName());
        }
        return entries.isEmpty() ? "no entries" : j.toString();
    }

    @Override
    public String toString() {
        return "Fatbin[" + describe() + "]";
    }

    /**
     * The kernel images packaged by kernels/build.sh: reads {@value #INDEX_RESOURCE} from the class path and
     * every fatbin it lists (names relative to {@value #RESOURCE_DIR}), in index order.
     *
     * @return file name (e.g. {@code gemm.fatbin}) to its bytes, each checked to be a fatbin
     * @throws IllegalStateException if the index or a listed file is missing or not a fatbin (a broken build)
     * @throws UncheckedIOException  if reading a resource fails
     */
    public static Map<String, byte[]> packagedImages() {
        List<String> names = new ArrayList<>();
        try (InputStream in = Fatbin.class.getResourceAsStream(INDEX_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("sagan4j kernels are not packaged: " + INDEX_RESOURCE
                        + " is not on the class path (kernels/build.sh writes it when the build runs with nvcc)");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + INDEX_RESOURCE, e);
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("sagan4j kernels are not packaged: " + INDEX_RESOURCE + " lists no fatbin");
        }
        Map<String, byte[]> images = new LinkedHashMap<>();
        for (String name : names) {
            String resource = RESOURCE_DIR + name;
            byte[] bytes;
            try (InputStream in = Fatbin.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("sagan4j kernels are incomplete: " + INDEX_RESOURCE + " lists "
                            + name + " but " + resource + " is not on the class path");
                }
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
            try {
                parse(bytes);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("packaged kernel image " + resource + " is broken: " + e.getMessage(), e);
            }
            images.put(name, bytes);
        }
        return images;
    }
}
