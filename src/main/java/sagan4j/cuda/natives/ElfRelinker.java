package sagan4j.cuda.natives;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Renames a needed library in a shared object, in place, without changing its size or layout.
 *
 * <p>For JCuda's {@code libJCublas2-12.6.0}, which needs {@code libcublas.so.12} and requires the version
 * {@code libcublas.so.12} from it: the {@code .dynstr} string (shared by {@code DT_NEEDED}, {@code vn_file}
 * and {@code vna_name}) becomes {@code libcublas.so.13}, and {@code vna_hash} becomes the ELF hash of the new
 * name. With {@code weak}, the requirements of that file are also marked {@code VER_FLG_WEAK} and the
 * {@code .gnu.version} entries of the symbols bound to them are set to 1 (global), so that glibc accepts a
 * library that defines no such version and binds those symbols unversioned.
 */
public final class ElfRelinker {

    private ElfRelinker() {}

    /** What {@link #relink} changed. */
    public record Result(byte[] bytes, int stringsRenamed, int requirementsRewritten, int symbolsMadeGlobal,
                         boolean weak) {}

    /**
     * Returns a patched copy of {@code original}.
     *
     * @param oldName a {@code DT_NEEDED} soname of the object, e.g. {@code libcublas.so.12}
     * @param newName the replacement, of the same length in bytes, e.g. {@code libcublas.so.13}
     * @param weak    also weaken the version requirements on that file (see class comment)
     * @throws ElfFormatException when the object does not need {@code oldName}, the names differ in length, or
     *                            the string is shared with an unrelated reference
     */
    public static Result relink(byte[] original, String oldName, String newName, boolean weak) {
        byte[] oldBytes = oldName.getBytes(StandardCharsets.UTF_8);
        byte[] newBytes = newName.getBytes(StandardCharsets.UTF_8);
        if (oldBytes.length != newBytes.length) {
            throw new ElfFormatException("relink " + oldName + " -> " + newName + ": expected names of equal length, got "
                    + oldBytes.length + " and " + newBytes.length + " bytes");
        }
        byte[] out = original.clone();
        ElfFile elf = ElfFile.parse(out, "relink input");

        List<Long> renameOffsets = new ArrayList<>(); // .dynstr offsets whose string is oldName
        List<Long> otherOffsets = new ArrayList<>();  // every other .dynstr reference we know of
        for (ElfFile.DynamicEntry e : elf.dynamicEntries()) {
            if (e.tag() == ElfFile.DT_NEEDED || e.tag() == ElfFile.DT_SONAME || e.tag() == ElfFile.DT_RUNPATH
                    || e.tag() == ElfFile.DT_RPATH) {
                boolean match = e.tag() == ElfFile.DT_NEEDED && elf.dynString(e.value()).equals(oldName);
                (match ? renameOffsets : otherOffsets).add(e.value());
            }
        }
        if (renameOffsets.isEmpty()) {
            throw new ElfFormatException("relink " + oldName + " -> " + newName + ": expected DT_NEEDED " + oldName
                    + ", got " + elf.needed());
        }
        List<ElfFile.VersionNeed> needs = elf.versionNeeds();
        List<ElfFile.VersionAux> touched = new ArrayList<>();
        for (ElfFile.VersionNeed vn : needs) {
            boolean fileMatch = vn.file().equals(oldName);
            (fileMatch ? renameOffsets : otherOffsets).add(vn.fileNameOffset());
            for (ElfFile.VersionAux a : vn.aux()) {
                boolean nameMatch = a.name().equals(oldName);
                (nameMatch ? renameOffsets : otherOffsets).add(a.nameOffset());
                if (fileMatch) {
                    touched.add(a);
                }
            }
        }
        for (ElfFile.Symbol s : elf.dynamicSymbols()) {
            otherOffsets.add(s.nameOffset());
        }
        // A string table may share tails ("libfoo.so.12" inside "xlibfoo.so.12"): refuse to patch bytes that
        // another reference reads.
        List<Long> distinct = renameOffsets.stream().distinct().sorted().toList();
        for (long start : distinct) {
            long end = start + oldBytes.length; // exclusive of the NUL
            for (long other : otherOffsets) {
                if (distinct.contains(other)) {
                    continue;
                }
                String otherString = elf.dynString(other);
                long otherEnd = other + otherString.getBytes(StandardCharsets.UTF_8).length;
                if (other < end && otherEnd > start) {
                    throw new ElfFormatException("relink " + oldName + " -> " + newName + ": expected .dynstr["
                            + start + "] to be used only for " + oldName + ", got it shared with \"" + otherString
                            + "\" at " + other);
                }
            }
        }
        long dynstr = elf.dynstrOffset();
        for (long off : distinct) {
            System.arraycopy(newBytes, 0, out, Math.toIntExact(dynstr + off), newBytes.length);
        }

        long newHash = ElfFile.elfHash(newName);
        int rewritten = 0;
        List<Integer> weakIndexes = new ArrayList<>();
        for (ElfFile.VersionAux a : touched) {
            int pos = Math.toIntExact(a.fileOffset());
            if (a.name().equals(oldName)) {
                putU32(out, pos, newHash);
            }
            if (weak) {
                putU16(out, pos + 4, a.flags() | ElfFile.VER_FLG_WEAK);
                weakIndexes.add(a.other() & 0x7fff);
            }
            rewritten++;
        }
        int madeGlobal = 0;
        if (weak && !weakIndexes.isEmpty()) {
            long versym = elf.versymOffset();
            int[] vs = elf.versym();
            for (int i = 0; i < vs.length; i++) {
                if (weakIndexes.contains(vs[i] & 0x7fff)) {
                    putU16(out, Math.toIntExact(versym + 2L * i), 1);
                    madeGlobal++;
                }
            }
        }
        return new Result(out, distinct.size(), rewritten, madeGlobal, weak);
    }

    /**
     * Whether relinking {@code jni} from {@code oldName} to {@code newName} must be weak for {@code installed}:
     * returns why (one line), or null when the versioned binding will work. Weak is needed when
     * {@code installed} defines no version {@code newName} (glibc refuses to load: "version ... not found"), or
     * when some symbol {@code jni} imports under that requirement is defined in {@code installed}, but not in
     * version {@code newName} (glibc would kill the process at the first call: "symbol lookup error").
     */
    public static String weakReason(ElfFile jni, String oldName, ElfFile installed, String newName) {
        if (!installed.definesVersion(newName)) {
            return "defines no version " + newName;
        }
        Map<String, Set<String>> defined = installed.definedSymbolVersions();
        for (ElfFile.VersionNeed vn : jni.versionNeeds()) {
            if (!vn.file().equals(oldName)) {
                continue;
            }
            for (ElfFile.VersionAux a : vn.aux()) {
                for (String sym : jni.importsBoundTo(a.other() & 0x7fff)) {
                    Set<String> versions = defined.get(sym);
                    if (versions != null && !versions.contains(newName)) {
                        return "defines " + sym + " in version " + (versions.isEmpty() ? "(none)"
                                : String.join(",", new TreeSet<>(versions))) + ", not " + newName;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Functions (and objects) that {@code jni} imports under its version requirement on {@code neededFile} and
     * that {@code installed} does not define, sorted. JCuda binds lazily, so the library loads, but the first
     * call of one of them ends the process ("symbol lookup error").
     */
    public static List<String> missingImports(ElfFile jni, String neededFile, ElfFile installed) {
        Map<String, Set<String>> defined = installed.definedSymbolVersions();
        TreeSet<String> out = new TreeSet<>();
        for (ElfFile.VersionNeed vn : jni.versionNeeds()) {
            if (vn.file().equals(neededFile)) {
                for (ElfFile.VersionAux a : vn.aux()) {
                    for (String sym : jni.importsBoundTo(a.other() & 0x7fff)) {
                        if (!defined.containsKey(sym)) {
                            out.add(sym);
                        }
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static void putU16(byte[] b, int pos, int v) {
        b[pos] = (byte) v;
        b[pos + 1] = (byte) (v >>> 8);
    }

    private static void putU32(byte[] b, int pos, long v) {
        for (int i = 0; i < 4; i++) {
            b[pos + i] = (byte) (v >>> (8 * i));
        }
    }
}
