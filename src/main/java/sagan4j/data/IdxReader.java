package sagan4j.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The idx format of MNIST and Fashion-MNIST ({@code .gz} or plain): a big-endian magic 0x0000 08 D
 * (unsigned bytes, D dimensions), D big-endian int32 sizes, then the bytes. Images are D = 3 (n, rows,
 * cols), labels D = 1 (n).
 */
final class IdxReader {
    private IdxReader() {
    }

    record Idx(int[] dims, byte[] data) {
    }

    static Idx read(Path file, int wantDims, String howToGet) {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(
                     file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16))) {
            int magic = in.readInt();
            if ((magic >>> 8) != 0x08 || (magic & 0xff) != wantDims) {
                throw new DataException(file + ": not an idx file of " + wantDims + "-D unsigned bytes (magic 0x"
                        + Integer.toHexString(magic) + ", expected 0x80" + wantDims + "); " + howToGet);
            }
            int[] dims = new int[wantDims];
            long size = 1;
            for (int i = 0; i < wantDims; i++) {
                dims[i] = in.readInt();
                size *= dims[i];
            }
            if (size <= 0 || size > Integer.MAX_VALUE) {
                throw new DataException(file + ": idx sizes " + java.util.Arrays.toString(dims) + " are not a valid array; " + howToGet);
            }
            byte[] data = new byte[(int) size];
            in.readFully(data);
            return new Idx(dims, data);
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": missing; " + howToGet);
        } catch (EOFException e) {
            throw new DataException(file + ": truncated (shorter than its idx header says); " + howToGet);
        } catch (IOException e) {
            throw new DataException(file + ": cannot be read as idx (" + e.getMessage() + "); " + howToGet);
        }
    }
}
