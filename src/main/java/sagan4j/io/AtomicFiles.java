package sagan4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe file writes: the bytes go to a temporary file beside the target, are forced to disk,
 * and the file is renamed over the target; then the folder itself is forced, so that the rename survives a
 * power cut too. A reader sees the old file or the new one, never a part.
 */
public final class AtomicFiles {
    /** Temporary files are {@code .<target name>.<random digits>.tmp}, hidden beside their target. */
    static final String TEMP_SUFFIX = ".tmp";
    private static final java.util.regex.Pattern TEMP_NAME = java.util.regex.Pattern.compile("\\..+\\.\\d+\\.tmp");

    private AtomicFiles() {
    }

    /** Whether {@code file} is a temporary file of {@link #write}: never a finished file. */
    public static boolean isTemporary(Path file) {
        return TEMP_NAME.matcher(file.getFileName().toString()).matches();
    }

    /**
     * Deletes the temporary files a killed writer left in {@code dir} (a process killed between creating one
     * and renaming it leaves it behind; a checkpoint's can be gigabytes). Only for a folder no other process
     * is writing into at the same time: a live writer's temporary file would go too.
     *
     * @return how many were deleted
     */
    public static int removeLeftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (isTemporary(p) && Files.isRegularFile(p) && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ch -> {
            OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
            out.write(bytes);
            out.flush();
        });
    }

    /** What fills the temporary file: writes everything to the channel (which the caller then forces and closes). */
    public interface Body {
        void writeTo(FileChannel ch) throws IOException;
    }

    /** The same for content streamed by {@code body} (files too large for one array). */
    public static void write(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", TEMP_SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                body.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** fsync of a folder (its entries), where the file system allows opening one; Linux does. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (java.nio.file.FileSystemException e) {
            // Windows cannot open a folder as a channel; there NTFS's rename is already durable.
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
        }
    }
}
