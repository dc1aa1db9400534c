package sagan4j.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * The idx format of MNIST and Fashion-MNIST ({@code .gz} or plain): a big-endian magic 0x0000 08 D
 * (unsigned bytes, D dimensions), D big-endian int32 sizes, then the bytes. Images are D = 3 (n, rows,
 * cols), labels D = 1 (n). The sizes a header announces are checked before anything is allocated: each
 * at least 1, their product within one Java array and, for a plain file, within the file's length; a
 * {@code .gz} file's data is read in growing chunks, so a header that lies costs no more memory than the
 * data that is really there.
 */
final class IdxReader {
    /** The first chunk of a {@code .gz} file's data; it doubles as the data keeps coming. */
    private static final int FIRST_CHUNK = 1 << 20;

    private IdxReader() {
    }

    record Idx(int[] dims, byte[] data) {
    }

    static Idx read(Path file, int wantDims, String howToGet) {
        java.util.Objects.requireNonNull(file, "IdxReader.read: file is null (expected a path)");
        boolean gz = file.toString().endsWith(".gz");
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16))) {
            int magic = in.readInt();
            if ((magic >>> 8) != 0x08 || (magic & 0xff) != wantDims) {
                throw new DataException(file + ": not an idx file of " + wantDims + "-D unsigned bytes (magic 0x"
                        + String.format("%08x", magic) + ", expected 0x0000080" + wantDims + "); " + howToGet);
            }
            int[] dims = new int[wantDims];
            long size = 1;
            for (int i = 0; i < wantDims; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 1) {
                    throw new DataException(file + ": idx size " + i + " is " + dims[i] + " (expected at least 1); " + howToGet);
                }
                size *= dims[i];
                if (size > Integer.MAX_VALUE - 8) {
                    throw new DataException(file + ": idx sizes " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                            + " hold more bytes than one Java array (" + (Integer.MAX_VALUE - 8) + "); " + howToGet);
                }
            }
            long header = 4 + 4L * wantDims;
            if (!gz && Files.size(file) - header < size) {
                throw new DataException(file + ": truncated (its idx header announces " + size + " data bytes, the file has "
                        + (Files.size(file) - header) + "); " + howToGet);
            }
            return new Idx(dims, gz ? readGrowing(in, (int) size) : readExactly(in, (int) size));
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": missing; " + howToGet);
        } catch (EOFException e) {
            throw new DataException(file + ": truncated (shorter than its idx header says); " + howToGet);
        } catch (IOException e) {
            throw new DataException(file + ": cannot be read as idx (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); " + howToGet);
        }
    }

    private static byte[] readExactly(DataInputStream in, int size) throws IOException {
        byte[] data = new byte[size];
        in.readFully(data);
        return data;
    }

    /** {@code size} bytes, read into a buffer that doubles only as they arrive; EOFException when fewer come. */
    private static byte[] readGrowing(DataInputStream in, int size) throws IOException {
        byte[] data = new byte[Math.min(size, FIRST_CHUNK)];
        int have = 0;
        while (have < size) {
            if (have == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(size, 2L * data.length));
            }
            int got = in.read(data, have, data.length - have);
            if (got < 0) {
                throw new EOFException();
            }
            have += got;
        }
        return data;
    }
}
