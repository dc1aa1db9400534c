package sagan4j.cuda.natives;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Loads shared libraries by absolute path ({@link System#load}), dependencies first.
 *
 * <p>Once a library with soname {@code S} is loaded, a library loaded later that names {@code S} in
 * {@code DT_NEEDED}, or a {@code dlopen("S")}, resolves to it without {@code LD_LIBRARY_PATH}. For each library,
 * every {@code DT_NEEDED} soname that is not a basic system library and is found (beside the library first,
 * then in the search directories) is preloaded first, recursively. Sonames not found are left to the dynamic
 * linker (the library's own RUNPATH may find them).
 */
final class NativePreloader {

    /** Libraries that the system provides and that must never be taken from a CUDA directory. */
    private static final Pattern SYSTEM_LIB = Pattern.compile(
            "(libc|libm|libdl|libpthread|librt|libstdc\\+\\+|libgcc_s|libz)\\.so(\\..*)?|ld-linux.*");

    /** A preload that failed; the message is one line: what could not be loaded and the linker's answer. */
    static final class PreloadException extends Exception {
        private static final long serialVersionUID = 1L;

        PreloadException(String message) {
            super(message);
        }
    }

    private final LibrarySearch search;
    private final Consumer<String> loader;
    /** soname (or file name) -> absolute path, in load order. */
    private final Map<String, Path> loaded = new LinkedHashMap<>();
    private final Set<Path> inProgress = new HashSet<>();

    NativePreloader(LibrarySearch search) {
        this(search, System::load);
    }

    NativePreloader(LibrarySearch search, Consumer<String> loader) {
        this.search = search;
        this.loader = loader;
    }

    static boolean isSystemLibrary(String soname) {
        return SYSTEM_LIB.matcher(soname).matches();
    }

    /** Paths loaded so far, in load order. */
    List<Path> loadedPaths() {
        return List.copyOf(new ArrayList<>(loaded.values()));
    }

    /** Loads {@code lib} after its dependencies. */
    void preload(Path lib) throws PreloadException {
        Path abs = lib.toAbsolutePath().normalize();
        ElfFile elf;
        try {
            elf = ElfFile.read(abs);
        } catch (IOException | ElfFormatException e) {
            throw new PreloadException("cannot read " + abs + ": expected an ELF64 shared object, got " + e.getMessage());
        }
        String key = elf.soname().orElse(abs.getFileName().toString());
        if (loaded.containsKey(key) || !inProgress.add(abs)) {
            return;
        }
        try {
            for (String dep : elf.needed()) {
                if (isSystemLibrary(dep) || loaded.containsKey(dep)) {
                    continue;
                }
                Optional<Path> found = search.find(dep, abs.getParent());
                if (found.isPresent()) {
                    try {
                        preload(found.get());
                    } catch (PreloadException e) {
                        throw new PreloadException(abs.getFileName() + " needs " + dep + ": " + e.getMessage());
                    }
                }
            }
            try {
                loader.accept(abs.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new PreloadException("System.load(" + abs + ") failed: " + Diagnostics.linkError(e));
            }
            loaded.put(key, abs);
        } finally {
            inProgress.remove(abs);
        }
    }
}
