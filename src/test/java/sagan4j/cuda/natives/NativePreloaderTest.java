package sagan4j.cuda.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dependency order of {@link NativePreloader}, with a recording loader instead of {@code System.load}. */
class NativePreloaderTest {

    @TempDir
    Path tmp;

    @Test
    void loadsDependenciesFirstOnceAndSkipsSystemLibraries() throws Exception {
        assumeTrue(StubLibs.gccAvailable(), "gcc not installed");
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path leaf = StubLibs.build(b, "libleaf.so.1", StubLibs.plainSource("leaf"), null, List.of());
        Path mid = StubLibs.build(a, "libmid.so.1", StubLibs.plainSource("mid"), null, List.of(leaf));
        Path side = StubLibs.build(a, "libside.so.1", StubLibs.plainSource("side"), null, List.of(leaf));
        Path top = StubLibs.build(a, "libtop.so.1", StubLibs.plainSource("top"), null, List.of(mid, side));
        List<String> loads = new ArrayList<>();
        NativePreloader pre = new NativePreloader(LibrarySearch.ofDirs(List.of(b)), loads::add);

        pre.preload(top);
        pre.preload(mid);

        assertEquals(List.of(leaf.toString(), mid.toString(), side.toString(), top.toString()), loads,
                "leaf first (found in the search dir), siblings found beside top, each once; libc never");
        assertEquals(4, pre.loadedPaths().size());
    }

    @Test
    void aFailingDependencyNamesTheChain() throws Exception {
        assumeTrue(StubLibs.gccAvailable(), "gcc not installed");
        Path leaf = StubLibs.build(tmp.resolve("d"), "libleaf.so.1", StubLibs.plainSource("leaf"), null, List.of());
        Path top = StubLibs.build(tmp.resolve("d"), "libtop.so.1", StubLibs.plainSource("top"), null, List.of(leaf));
        NativePreloader pre = new NativePreloader(LibrarySearch.ofDirs(List.of()), p -> {
            if (p.endsWith("libleaf.so.1")) {
                throw new UnsatisfiedLinkError(p + ": wrong ELF class: ELFCLASS32");
            }
        });
        NativePreloader.PreloadException e = assertThrows(NativePreloader.PreloadException.class, () -> pre.preload(top));
        assertEquals("libtop.so.1 needs libleaf.so.1: System.load(" + leaf + ") failed: " + leaf
                + ": wrong ELF class: ELFCLASS32", e.getMessage());
        assertTrue(pre.loadedPaths().isEmpty());
    }

    @Test
    void aFileThatIsNotElfIsReported() throws IOException {
        Path junk = Files.writeString(tmp.resolve("libjunk.so.1"), "not elf");
        NativePreloader pre = new NativePreloader(LibrarySearch.ofDirs(List.of()), p -> { });
        NativePreloader.PreloadException e = assertThrows(NativePreloader.PreloadException.class, () -> pre.preload(junk));
        assertTrue(e.getMessage().startsWith("cannot read " + junk + ": expected an ELF64 shared object, got "),
                e.getMessage());
    }
}
