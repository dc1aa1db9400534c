package sagan4j.cuda.natives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ElfFile} and {@link ElfRelinker} on JCuda's real {@code libJCublas2} from the class path. */
class ElfRelinkerTest {

    static byte[] jcublas;
    static byte[] jcudnn;

    @TempDir
    Path tmp;

    @BeforeAll
    static void readJni() throws IOException {
        jcublas = JniCache.resource("/lib/" + CudaNatives.jniFileName("JCublas2"));
        jcudnn = JniCache.resource("/lib/" + CudaNatives.jniFileName("JCudnn"));
    }

    private static ElfFile.VersionNeed need(ElfFile elf, String file) {
        return elf.versionNeeds().stream().filter(v -> v.file().equals(file)).findFirst()
                .orElseThrow(() -> new AssertionError("no verneed for " + file + " in " + elf.versionNeeds()));
    }

    @Test
    void parsesTheOriginal() {
        ElfFile elf = ElfFile.parse(jcublas, "libJCublas2");
        assertEquals(CudaNatives.jniFileName("JCublas2"), elf.soname().orElseThrow());
        assertTrue(elf.needed().contains("libcublas.so.12"), elf.needed().toString());
        ElfFile.VersionNeed vn = need(elf, "libcublas.so.12");
        assertEquals(1, vn.aux().size());
        ElfFile.VersionAux a = vn.aux().get(0);
        assertEquals("libcublas.so.12", a.name());
        assertFalse(a.weak());
        // our ELF hash reproduces what the linker wrote
        assertEquals(a.hash(), ElfFile.elfHash("libcublas.so.12"));
        for (ElfFile.VersionNeed v : elf.versionNeeds()) {
            for (ElfFile.VersionAux x : v.aux()) {
                assertEquals(x.hash(), ElfFile.elfHash(x.name()), x.name());
            }
        }
        assertEquals(0x09691a75L, ElfFile.elfHash("GLIBC_2.2.5"));
        int[] vs = elf.versym();
        assertEquals(elf.dynamicSymbols().size(), vs.length);
        long bound = java.util.Arrays.stream(vs).filter(v -> (v & 0x7fff) == a.other()).count();
        assertTrue(bound > 100, "cublas imports bound to the requirement: " + bound);
        assertTrue(elf.dynamicSymbols().stream().anyMatch(s -> !s.defined() && s.name().equals("cublasCreate_v2")));
        assertFalse(elf.definesVersion("libcublas.so.12"));
    }

    @Test
    void relinksTo13() {
        ElfFile orig = ElfFile.parse(jcublas, "orig");
        ElfRelinker.Result r = ElfRelinker.relink(jcublas, "libcublas.so.12", "libcublas.so.13", false);
        assertEquals(jcublas.length, r.bytes().length);
        assertFalse(java.util.Arrays.equals(jcublas, r.bytes()));
        ElfFile elf = ElfFile.parse(r.bytes(), "relinked");
        assertTrue(elf.needed().contains("libcublas.so.13"), elf.needed().toString());
        assertFalse(elf.needed().contains("libcublas.so.12"), elf.needed().toString());
        assertEquals(orig.needed().size(), elf.needed().size());
        ElfFile.VersionAux a = need(elf, "libcublas.so.13").aux().get(0);
        assertEquals("libcublas.so.13", a.name());
        assertEquals(ElfFile.elfHash("libcublas.so.13"), a.hash());
        assertNotEquals(ElfFile.elfHash("libcublas.so.12"), a.hash());
        assertFalse(a.weak(), "weak only when asked");
        assertArrayEquals(orig.versym(), elf.versym(), ".gnu.version untouched without weak");
        assertEquals(0, r.symbolsMadeGlobal());
        // only the string bytes and vna_hash change
        List<Integer> diffs = diffs(jcublas, r.bytes());
        assertFalse(diffs.isEmpty());
        long dynstr = elf.dynstrOffset();
        List<Long> stringStarts = new ArrayList<>();
        elf.dynamicEntries().stream().filter(e -> e.tag() == ElfFile.DT_NEEDED)
                .filter(e -> elf.dynString(e.value()).equals("libcublas.so.13")).forEach(e -> stringStarts.add(e.value()));
        stringStarts.add(need(elf, "libcublas.so.13").fileNameOffset());
        stringStarts.add(a.nameOffset());
        long hashAt = a.fileOffset();
        for (int d : diffs) {
            boolean inString = stringStarts.stream().anyMatch(o -> d >= dynstr + o && d < dynstr + o + 15);
            boolean inHash = d >= hashAt && d < hashAt + 4;
            assertTrue(inString || inHash, "unexpected change at file offset " + d);
        }
        // the other requirements (libc, libstdc++, ...) are as they were
        for (ElfFile.VersionNeed v : orig.versionNeeds()) {
            if (!v.file().equals("libcublas.so.12")) {
                assertEquals(v, need(elf, v.file()));
            }
        }
    }

    @Test
    void relinksWeakly() {
        ElfFile orig = ElfFile.parse(jcublas, "orig");
        int other = need(orig, "libcublas.so.12").aux().get(0).other();
        ElfRelinker.Result r = ElfRelinker.relink(jcublas, "libcublas.so.12", "libcublas.so.13", true);
        ElfFile elf = ElfFile.parse(r.bytes(), "weak");
        ElfFile.VersionAux a = need(elf, "libcublas.so.13").aux().get(0);
        assertTrue(a.weak());
        assertEquals(ElfFile.VER_FLG_WEAK, a.flags() & ElfFile.VER_FLG_WEAK);
        assertEquals(ElfFile.elfHash("libcublas.so.13"), a.hash());
        int[] before = orig.versym();
        int[] after = elf.versym();
        int changed = 0;
        for (int i = 0; i < before.length; i++) {
            if ((before[i] & 0x7fff) == other) {
                assertEquals(1, after[i], "symbol " + i + " must become global");
                changed++;
            } else {
                assertEquals(before[i], after[i], "symbol " + i + " must keep its version");
            }
        }
        assertEquals(changed, r.symbolsMadeGlobal());
        assertTrue(changed > 100);
        // other requirements are not weakened
        for (ElfFile.VersionNeed v : elf.versionNeeds()) {
            if (!v.file().equals("libcublas.so.13")) {
                assertTrue(v.aux().stream().noneMatch(ElfFile.VersionAux::weak), v.toString());
            }
        }
    }

    @Test
    void weakensCudnnWithoutRenaming() {
        ElfRelinker.Result r = ElfRelinker.relink(jcudnn, "libcudnn.so.9", "libcudnn.so.9", true);
        ElfFile elf = ElfFile.parse(r.bytes(), "jcudnn");
        assertTrue(elf.needed().contains("libcudnn.so.9"));
        ElfFile.VersionAux a = need(elf, "libcudnn.so.9").aux().get(0);
        assertTrue(a.weak());
        assertEquals(ElfFile.elfHash("libcudnn.so.9"), a.hash());
        assertTrue(r.symbolsMadeGlobal() > 10);
    }

    @Test
    void refusesWhatItCannotDo() {
        ElfFormatException len = assertThrows(ElfFormatException.class,
                () -> ElfRelinker.relink(jcublas, "libcublas.so.12", "libcublas.so.9", false));
        assertTrue(len.getMessage().contains("expected names of equal length, got 15 and 14 bytes"), len.getMessage());
        ElfFormatException absent = assertThrows(ElfFormatException.class,
                () -> ElfRelinker.relink(jcublas, "libcublas.so.11", "libcublas.so.13", false));
        assertTrue(absent.getMessage().contains("expected DT_NEEDED libcublas.so.11, got ["), absent.getMessage());
        ElfFormatException notElf = assertThrows(ElfFormatException.class,
                () -> ElfFile.parse("not an ELF file at all, but long enough to hold a header!!!!!!!!!!!!!!!!!"
                        .getBytes(StandardCharsets.US_ASCII), "text"));
        assertTrue(notElf.getMessage().startsWith("text: expected ELF magic 7f 45 4c 46, got 6e 6f 74 20"),
                notElf.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(jcublas, 4096);
        ElfFormatException cut = assertThrows(ElfFormatException.class, () -> ElfFile.parse(truncated, "cut"));
        assertTrue(cut.getMessage().contains("section header table inside the file (4096 bytes)"), cut.getMessage());
    }

    @Test
    void readelfAgrees() throws Exception {
        assumeTrue(hasReadelf(), "readelf not installed");
        for (boolean weak : new boolean[]{false, true}) {
            Path f = tmp.resolve("relinked-" + weak + ".so");
            Files.write(f, ElfRelinker.relink(jcublas, "libcublas.so.12", "libcublas.so.13", weak).bytes());
            String out = run("readelf", "-W", "-d", "-V", f.toString());
            assertTrue(out.contains("Shared library: [libcublas.so.13]"), out);
            assertFalse(out.contains("libcublas.so.12"), "no trace of the old name");
            assertTrue(out.contains("File: libcublas.so.13"), out);
            String flags = weak ? "Name: libcublas.so.13  Flags: WEAK" : "Name: libcublas.so.13  Flags: none";
            assertTrue(out.contains(flags), "readelf shows " + flags + ":\n" + grep(out, "libcublas"));
            int symbolsNamingIt = count(out, "(libcublas.so.13)");
            if (weak) {
                assertEquals(0, symbolsNamingIt, ".gnu.version entries no longer point to the requirement");
            } else {
                assertTrue(symbolsNamingIt > 100, ".gnu.version entries name libcublas.so.13: " + symbolsNamingIt);
            }
        }
        String orig = run("readelf", "-W", "-V", writeOriginal().toString());
        assertTrue(orig.contains("Name: libcublas.so.12  Flags: none"), "original as JCuda built it");
    }

    private Path writeOriginal() throws IOException {
        Path f = tmp.resolve("orig.so");
        Files.write(f, jcublas);
        return f;
    }

    private static List<Integer> diffs(byte[] a, byte[] b) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                out.add(i);
            }
        }
        return out;
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static String grep(String s, String needle) {
        return String.join("\n", s.lines().filter(l -> l.contains(needle)).limit(20).toList());
    }

    static boolean hasReadelf() {
        try {
            run("readelf", "--version");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static String run(String... cmd) throws IOException {
        try {
            ChildProcess.Result r = ChildProcess.run(new ProcessBuilder(cmd));
            if (r.exit() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (exit " + r.exit() + "):\n" + r.output());
            }
            return r.output();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
