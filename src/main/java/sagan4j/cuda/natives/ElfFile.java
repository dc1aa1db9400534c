package sagan4j.cuda.natives;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Minimal read-only view of an ELF64 little-endian shared object: section headers, {@code .dynamic},
 * {@code .dynstr}, {@code .dynsym}, {@code .gnu.version}, {@code .gnu.version_r} and {@code .gnu.version_d}.
 *
 * <p>The view works on a {@link ByteBuffer} (a heap array or a read-only file mapping) and keeps file offsets
 * of every structure it decodes, so {@link ElfRelinker} can patch them in place. Every malformed input
 * raises {@link ElfFormatException} with what was expected and what was found.
 */
public final class ElfFile {

    public static final int SHT_STRTAB = 3;
    public static final int SHT_DYNAMIC = 6;
    public static final int SHT_DYNSYM = 11;
    public static final int SHT_GNU_VERDEF = 0x6ffffffd;
    public static final int SHT_GNU_VERNEED = 0x6ffffffe;
    public static final int SHT_GNU_VERSYM = 0x6fffffff;

    public static final long DT_NULL = 0;
    public static final long DT_NEEDED = 1;
    public static final long DT_SONAME = 14;
    public static final long DT_RPATH = 15;
    public static final long DT_RUNPATH = 29;

    /** {@code VER_FLG_WEAK} in {@code vna_flags}. */
    public static final int VER_FLG_WEAK = 0x2;

    public record Section(int index, String name, int type, long flags, long addr, long offset, long size,
                          int link, int info, long entsize) {}

    /** One {@code .dynamic} entry; {@code fileOffset} is where its {@code d_tag} lies. */
    public record DynamicEntry(long fileOffset, long tag, long value) {}

    /** An {@code Elf64_Vernaux}: one version required from {@link VersionNeed#file()}. */
    public record VersionAux(long fileOffset, long hash, int flags, int other, long nameOffset, String name) {
        public boolean weak() {
            return (flags & VER_FLG_WEAK) != 0;
        }
    }

    /** An {@code Elf64_Verneed}: the versions required from one needed file. */
    public record VersionNeed(long fileOffset, int version, long fileNameOffset, String file, List<VersionAux> aux) {}

    /** An {@code Elf64_Verdef}: {@code names.get(0)} is the version defined, the rest its parents. */
    public record VersionDef(long fileOffset, int flags, int index, long hash, List<String> names) {}

    /** An {@code Elf64_Sym} of {@code .dynsym}. */
    public record Symbol(int index, long nameOffset, String name, int info, int shndx, long value, long size) {
        public boolean defined() {
            return shndx != 0;
        }

        public int type() {
            return info & 0xf;
        }

        public int binding() {
            return info >>> 4;
        }
    }

    private final ByteBuffer buf;
    private final String origin;
    private final List<Section> sections;
    private final Section dynamicSection;
    private final Section dynstrSection;

    private ElfFile(ByteBuffer buffer, String origin) {
        this.buf = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.origin = origin;
        checkHeader();
        this.sections = readSections();
        this.dynamicSection = firstOfType(SHT_DYNAMIC).orElse(null);
        if (dynamicSection != null) {
            dynstrSection = sectionAt(dynamicSection.link(), ".dynamic's sh_link (.dynstr)");
        } else {
            dynstrSection = sections.stream().filter(s -> s.name().equals(".dynstr")).findFirst().orElse(null);
        }
    }

    /** Parses bytes held in memory (they are not copied; see {@link ElfRelinker} for patching). */
    public static ElfFile parse(byte[] bytes, String origin) {
        return new ElfFile(ByteBuffer.wrap(bytes), origin);
    }

    public static ElfFile parse(ByteBuffer buffer, String origin) {
        return new ElfFile(buffer, origin);
    }

    /** Maps the file read-only (libraries such as cuBLASLt are hundreds of MB; only headers are touched). */
    public static ElfFile read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new ElfFormatException(file + ": expected an ELF file under 2 GiB, got " + size + " bytes");
            }
            return new ElfFile(ch.map(FileChannel.MapMode.READ_ONLY, 0, size), file.toString());
        }
    }

    public String origin() {
        return origin;
    }

    public List<Section> sections() {
        return sections;
    }

    public Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<Section> firstOfType(int type) {
        return sections.stream().filter(s -> s.type() == type).findFirst();
    }

    /** File offset of {@code .dynstr}. */
    public long dynstrOffset() {
        return requireDynstr().offset();
    }

    public long dynstrSize() {
        return requireDynstr().size();
    }

    /** NUL-terminated string at {@code offset} inside {@code .dynstr}. */
    public String dynString(long offset) {
        Section s = requireDynstr();
        return stringAt(s, offset);
    }

    public List<DynamicEntry> dynamicEntries() {
        if (dynamicSection == null) {
            return List.of();
        }
        List<DynamicEntry> out = new ArrayList<>();
        long count = dynamicSection.size() / 16;
        for (long i = 0; i < count; i++) {
            long off = dynamicSection.offset() + i * 16;
            long tag = i64(off);
            if (tag == DT_NULL) {
                break;
            }
            out.add(new DynamicEntry(off, tag, i64(off + 8)));
        }
        return out;
    }

    /** DT_NEEDED sonames in order. */
    public List<String> needed() {
        List<String> out = new ArrayList<>();
        for (DynamicEntry e : dynamicEntries()) {
            if (e.tag() == DT_NEEDED) {
                out.add(dynString(e.value()));
            }
        }
        return out;
    }

    public Optional<String> soname() {
        return dynamicEntries().stream().filter(e -> e.tag() == DT_SONAME).findFirst().map(e -> dynString(e.value()));
    }

    /** DT_RUNPATH, or DT_RPATH when there is no DT_RUNPATH. */
    public Optional<String> runpath() {
        Optional<String> rp = dynamicEntries().stream().filter(e -> e.tag() == DT_RUNPATH).findFirst()
                .map(e -> dynString(e.value()));
        if (rp.isPresent()) {
            return rp;
        }
        return dynamicEntries().stream().filter(e -> e.tag() == DT_RPATH).findFirst().map(e -> dynString(e.value()));
    }

    public List<VersionNeed> versionNeeds() {
        Optional<Section> sec = firstOfType(SHT_GNU_VERNEED);
        if (sec.isEmpty()) {
            return List.of();
        }
        Section s = sec.get();
        Section strtab = sectionAt(s.link(), ".gnu.version_r's sh_link");
        List<VersionNeed> out = new ArrayList<>();
        long off = s.offset();
        int limit = s.info() > 0 ? s.info() : Integer.MAX_VALUE;
        for (int n = 0; n < limit; n++) {
            within(s, off, 16, "Elf64_Verneed");
            int version = u16(off);
            int cnt = u16(off + 2);
            long file = u32(off + 4);
            long auxRel = u32(off + 8);
            long next = u32(off + 12);
            List<VersionAux> aux = new ArrayList<>();
            long a = off + auxRel;
            for (int k = 0; k < cnt; k++) {
                within(s, a, 16, "Elf64_Vernaux");
                long nameOff = u32(a + 8);
                aux.add(new VersionAux(a, u32(a), u16(a + 4), u16(a + 6), nameOff, stringAt(strtab, nameOff)));
                long an = u32(a + 12);
                if (an == 0) {
                    break;
                }
                a += an;
            }
            out.add(new VersionNeed(off, version, file, stringAt(strtab, file), List.copyOf(aux)));
            if (next == 0) {
                break;
            }
            off += next;
        }
        return List.copyOf(out);
    }

    public List<VersionDef> versionDefs() {
        Optional<Section> sec = firstOfType(SHT_GNU_VERDEF);
        if (sec.isEmpty()) {
            return List.of();
        }
        Section s = sec.get();
        Section strtab = sectionAt(s.link(), ".gnu.version_d's sh_link");
        List<VersionDef> out = new ArrayList<>();
        long off = s.offset();
        int limit = s.info() > 0 ? s.info() : Integer.MAX_VALUE;
        for (int n = 0; n < limit; n++) {
            within(s, off, 20, "Elf64_Verdef");
            int flags = u16(off + 2);
            int ndx = u16(off + 4);
            int cnt = u16(off + 6);
            long hash = u32(off + 8);
            long auxRel = u32(off + 12);
            long next = u32(off + 16);
            List<String> names = new ArrayList<>();
            long a = off + auxRel;
            for (int k = 0; k < cnt; k++) {
                within(s, a, 8, "Elf64_Verdaux");
                names.add(stringAt(strtab, u32(a)));
                long an = u32(a + 4);
                if (an == 0) {
                    break;
                }
                a += an;
            }
            out.add(new VersionDef(off, flags, ndx, hash, List.copyOf(names)));
            if (next == 0) {
                break;
            }
            off += next;
        }
        return List.copyOf(out);
    }

    /** True when {@code .gnu.version_d} defines a version node named {@code name}. */
    public boolean definesVersion(String name) {
        return versionDefs().stream().anyMatch(d -> !d.names().isEmpty() && d.names().get(0).equals(name));
    }

    /** File offset of {@code .gnu.version}, or -1 when absent. */
    public long versymOffset() {
        return firstOfType(SHT_GNU_VERSYM).map(Section::offset).orElse(-1L);
    }

    /** {@code .gnu.version}: one entry per {@code .dynsym} symbol (empty when absent). */
    public int[] versym() {
        Optional<Section> sec = firstOfType(SHT_GNU_VERSYM);
        if (sec.isEmpty()) {
            return new int[0];
        }
        Section s = sec.get();
        int n = (int) (s.size() / 2);
        within(s, s.offset(), (long) n * 2, ".gnu.version");
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = u16(s.offset() + 2L * i);
        }
        return out;
    }

    public List<Symbol> dynamicSymbols() {
        Optional<Section> sec = firstOfType(SHT_DYNSYM);
        if (sec.isEmpty()) {
            return List.of();
        }
        Section s = sec.get();
        if (s.entsize() != 24) {
            throw new ElfFormatException(origin + ": expected .dynsym entry size 24, got " + s.entsize());
        }
        Section strtab = sectionAt(s.link(), ".dynsym's sh_link");
        int n = (int) (s.size() / 24);
        List<Symbol> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long off = s.offset() + 24L * i;
            within(s, off, 24, "Elf64_Sym");
            long nameOff = u32(off);
            out.add(new Symbol(i, nameOff, stringAt(strtab, nameOff), u8(off + 4), u16(off + 6), i64(off + 8),
                    i64(off + 16)));
        }
        return Collections.unmodifiableList(out);
    }

    /** True when {@code .dynsym} holds a defined function or object named {@code name}. */
    public boolean definesSymbol(String name) {
        return dynamicSymbols().stream().anyMatch(s -> s.defined() && s.name().equals(name));
    }

    /**
     * Defined {@code .dynsym} symbols by name, each with the names of the versions it is defined in (the name of
     * the {@code .gnu.version_d} entry its {@code .gnu.version} index points to; the base definition, index 1,
     * carries the soname). A symbol of an object without {@code .gnu.version} maps to an empty set.
     */
    public Map<String, Set<String>> definedSymbolVersions() {
        Map<Integer, String> defNames = new HashMap<>();
        for (VersionDef d : versionDefs()) {
            if (!d.names().isEmpty()) {
                defNames.put(d.index(), d.names().get(0));
            }
        }
        int[] vs = versym();
        Map<String, Set<String>> out = new HashMap<>();
        for (Symbol s : dynamicSymbols()) {
            if (!s.defined() || s.name().isEmpty()) {
                continue;
            }
            Set<String> versions = out.computeIfAbsent(s.name(), k -> new HashSet<>());
            if (s.index() < vs.length) {
                String v = defNames.get(vs[s.index()] & 0x7fff);
                if (v != null) {
                    versions.add(v);
                }
            }
        }
        return out;
    }

    /** Undefined {@code .dynsym} symbols whose {@code .gnu.version} index is {@code versionIndex}. */
    public List<String> importsBoundTo(int versionIndex) {
        int[] vs = versym();
        List<String> out = new ArrayList<>();
        for (Symbol s : dynamicSymbols()) {
            if (!s.defined() && s.index() < vs.length && (vs[s.index()] & 0x7fff) == versionIndex) {
                out.add(s.name());
            }
        }
        return out;
    }

    /** Classic System V ELF hash ({@code vna_hash}, {@code vd_hash}). */
    public static long elfHash(String name) {
        long h = 0;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h << 4) + (b & 0xff);
            long g = h & 0xf0000000L;
            if (g != 0) {
                h ^= g >>> 24;
            }
            h &= ~g;
            h &= 0xffffffffL;
        }
        return h;
    }

    // ---------------------------------------------------------------- internals

    private void checkHeader() {
        if (buf.capacity() < 64) {
            throw new ElfFormatException(origin + ": expected an ELF header (64 bytes), got " + buf.capacity() + " bytes");
        }
        if (u8(0) != 0x7f || u8(1) != 'E' || u8(2) != 'L' || u8(3) != 'F') {
            throw new ElfFormatException(origin + ": expected ELF magic 7f 45 4c 46, got "
                    + String.format("%02x %02x %02x %02x", u8(0), u8(1), u8(2), u8(3)));
        }
        if (u8(4) != 2) {
            throw new ElfFormatException(origin + ": expected ELFCLASS64 (2), got class " + u8(4));
        }
        if (u8(5) != 1) {
            throw new ElfFormatException(origin + ": expected little-endian ELFDATA2LSB (1), got data encoding " + u8(5));
        }
    }

    private List<Section> readSections() {
        long shoff = i64(0x28);
        int shentsize = u16(0x3a);
        int shnum = u16(0x3c);
        int shstrndx = u16(0x3e);
        if (shoff == 0 || shnum == 0) {
            throw new ElfFormatException(origin + ": expected section headers, got none (e_shoff=" + shoff
                    + ", e_shnum=" + shnum + ")");
        }
        if (shentsize != 64) {
            throw new ElfFormatException(origin + ": expected e_shentsize 64, got " + shentsize);
        }
        checkRange(shoff, (long) shnum * 64, "section header table");
        long[][] raw = new long[shnum][];
        for (int i = 0; i < shnum; i++) {
            long o = shoff + 64L * i;
            raw[i] = new long[]{u32(o), u32(o + 4), i64(o + 8), i64(o + 16), i64(o + 24), i64(o + 32), u32(o + 40),
                    u32(o + 44), i64(o + 56)};
        }
        if (shstrndx >= shnum) {
            throw new ElfFormatException(origin + ": expected e_shstrndx < " + shnum + ", got " + shstrndx);
        }
        long[] str = raw[shstrndx];
        List<Section> out = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            long[] r = raw[i];
            String name = i == 0 ? "" : cString(str[4], str[5], r[0], "section name");
            if (r[1] != 8 /* SHT_NOBITS */ && r[1] != 0) {
                checkRange(r[4], r[5], "section " + name);
            }
            out.add(new Section(i, name, (int) r[1], r[2], r[3], r[4], r[5], (int) r[6], (int) r[7], r[8]));
        }
        return List.copyOf(out);
    }

    private Section requireDynstr() {
        if (dynstrSection == null) {
            throw new ElfFormatException(origin + ": expected a .dynstr section, got none");
        }
        return dynstrSection;
    }

    private Section sectionAt(int index, String what) {
        if (index <= 0 || index >= sections.size()) {
            throw new ElfFormatException(origin + ": expected " + what + " to name a section (1.."
                    + (sections.size() - 1) + "), got " + index);
        }
        return sections.get(index);
    }

    private String stringAt(Section strtab, long offset) {
        return cString(strtab.offset(), strtab.size(), offset, strtab.name());
    }

    private String cString(long tableOffset, long tableSize, long offset, String what) {
        if (offset < 0 || offset >= tableSize) {
            throw new ElfFormatException(origin + ": expected a " + what + " string offset < " + tableSize + ", got "
                    + offset);
        }
        long start = tableOffset + offset;
        long end = start;
        long limit = tableOffset + tableSize;
        while (end < limit && buf.get((int) end) != 0) {
            end++;
        }
        if (end >= limit) {
            throw new ElfFormatException(origin + ": expected a NUL-terminated " + what + " string at offset " + offset
                    + ", got none before the end of the table");
        }
        byte[] b = new byte[(int) (end - start)];
        buf.get((int) start, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private void within(Section s, long off, long len, String what) {
        if (off < s.offset() || off + len > s.offset() + s.size()) {
            throw new ElfFormatException(origin + ": expected " + what + " inside " + s.name() + " [" + s.offset() + ", "
                    + (s.offset() + s.size()) + "), got offset " + off);
        }
    }

    private void checkRange(long off, long len, String what) {
        if (off < 0 || len < 0 || off + len > buf.capacity()) {
            throw new ElfFormatException(origin + ": expected " + what + " inside the file (" + buf.capacity()
                    + " bytes), got [" + off + ", " + (off + len) + ")");
        }
    }

    private int u8(long off) {
        return buf.get((int) off) & 0xff;
    }

    private int u16(long off) {
        return buf.getShort((int) off) & 0xffff;
    }

    private long u32(long off) {
        return buf.getInt((int) off) & 0xffffffffL;
    }

    private long i64(long off) {
        return buf.getLong((int) off);
    }
}
