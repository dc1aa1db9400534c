package sagan4j.cuda.natives;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The per-user directory from which JCuda loads its JNI libraries.
 *
 * <p>JCuda's {@code LibUtils} extracts {@code /lib/libNAME.so} to {@code java.io.tmpdir/libNAME.so} and reuses a
 * file already there. We write the files ourselves (original or relinked) into {@code root/<content hash>/}
 * and point {@code java.io.tmpdir} there while JCuda initialises: each directory always holds one exact set
 * of contents, so processes on the same host that need different copies never load each other's file. A file
 * whose bytes differ from what we want (stale, truncated, replaced) is rewritten through a temporary file and
 * an atomic rename.
 */
final class JniCache {

    private JniCache() {}

    /**
     * {@code $XDG_CACHE_HOME/sagan4j/jcuda-<v>} (or {@code ~/.cache/...}) when it can be created and written;
     * otherwise {@code <tmpdir>/sagan4j-<user>/jcuda-<v>}.
     */
    static Path defaultRoot(Map<String, String> env, String userHome, String tmpDir, String user, String jcudaVersion) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
                : userHome != null && !userHome.isBlank() && !userHome.equals("?") ? Path.of(userHome, ".cache") : null;
        if (base != null) {
            Path root = base.resolve("sagan4j").resolve("jcuda-" + jcudaVersion);
            if (usable(root)) {
                return root;
            }
        }
        return Path.of(tmpDir, "sagan4j-" + user).resolve("jcuda-" + jcudaVersion);
    }

    private static boolean usable(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.isWritable(dir);
        } catch (IOException | SecurityException e) {
            return false; // the caller falls back to the temporary directory
        }
    }

    /**
     * Writes {@code files} (file name -> bytes) into {@code root/<hash>/} and returns that directory.
     *
     * @throws IOException when the directory cannot be made private to this user or a file cannot be written
     */
    static Path stage(Path root, Map<String, byte[]> files) throws IOException {
        Path dir = root.resolve(hash(files));
        Files.createDirectories(dir);
        checkPrivate(root);
        checkPrivate(dir);
        for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
            writeIfDifferent(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }

    /** Writes {@code content} to {@code file} atomically unless the file already holds exactly it. */
    static boolean writeIfDifferent(Path file, byte[] content) throws IOException {
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) == content.length
                && Arrays.equals(Files.readAllBytes(file), content)) {
            return false;
        }
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, content);
            trySetPermissions(tmp, "rwxr-xr-x");
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + file + " atomically: expected a POSIX file system, got "
                        + e.getMessage(), e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return true;
    }

    static String hash(Map<String, byte[]> files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(e.getValue());
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JRE", e);
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = JniCache.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("class path resource " + name + " not found: expected JCuda's natives jar"
                        + " (e.g. jcublas-natives-" + CudaNatives.JCUDA_VERSION + "-linux-x86_64.jar) on the class path");
            }
            return in.readAllBytes();
        }
    }

    /** Refuses directories that another user owns (a shared /tmp), since we load code from them. */
    private static void checkPrivate(Path dir) throws IOException {
        UserPrincipal owner = Files.getOwner(dir);
        Path probe = Files.createTempFile(dir, ".owner-", ".probe");
        UserPrincipal me;
        try {
            me = Files.getOwner(probe);
        } finally {
            Files.deleteIfExists(probe);
        }
        if (!owner.equals(me)) {
            throw new IOException("JNI cache " + dir + ": expected a directory owned by " + me.getName() + ", got owner "
                    + owner.getName());
        }
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                trySetPermissions(dir, "rwxr-xr-x");
            }
        }
    }

    private static void trySetPermissions(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: permissions are what the platform gives
        } catch (FileSystemException e) {
            throw new IOException("cannot set permissions of " + p + ": " + e.getMessage(), e);
        }
    }
}
