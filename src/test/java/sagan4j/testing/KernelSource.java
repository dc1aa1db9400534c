package sagan4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the constants that the Java launch code shares with {@code kernels/*.cu} out of the CUDA source itself,
 * so that a test compares the two instead of restating either: object-like {@code #define NAME expr} with an
 * integer expression (numbers, earlier names, + − * /, parentheses), the arguments of a macro's instantiations
 * ({@code ATT_FORWARD_TILED(32)}), and the field count of a struct. Tests run from the project root.
 */
public final class KernelSource {
    private static final Pattern DEFINE = Pattern.compile("(?m)^#define\\s+(\\w+)\\s+([^\\n]*?)\\s*(?://.*)?$");

    private final String name;
    private final String text;
    private final Map<String, Long> defines = new LinkedHashMap<>();

    private KernelSource(String name, String text) {
        this.name = name;
        this.text = text;
        Matcher m = DEFINE.matcher(text);
        while (m.find()) {
            Long v = new Expression(m.group(2), defines).value();
            if (v != null) {
                defines.put(m.group(1), v);
            }
        }
    }

    /** {@code kernels/<file>}; {@code common.cuh}'s defines are visible too when the file includes it. */
    public static KernelSource of(String file) {
        Path p = Path.of("kernels", file);
        try {
            String text = Files.readString(p);
            if (!file.equals("common.cuh") && text.contains("#include \"common.cuh\"")) {
                text = Files.readString(Path.of("kernels", "common.cuh")) + "\n" + text;
            }
            return new KernelSource(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p.toAbsolutePath() + " (tests run from the project root)", e);
        }
    }

    /** The integer value of {@code #define name}; fails when the file has no such integer define. */
    public long define(String define) {
        Long v = defines.get(define);
        if (v == null) {
            throw new AssertionError(name + ": no integer #define " + define + " (found " + defines.keySet() + ")");
        }
        return v;
    }

    /** The integer arguments of every top-level use {@code MACRO(n)} at the start of a line, in order. */
    public List<Long> instantiations(String macro) {
        List<Long> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(macro) + "\\((\\d+)\\)\\s*$").matcher(text);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        if (out.isEmpty()) {
            throw new AssertionError(name + ": no instantiation of " + macro + "(n)");
        }
        return out;
    }

    /**
     * The integer arguments of every top-level use {@code MACRO(a, b, ...)} at the start of a line, in order, one
     * list per use ({@code ATT_FORWARD_TILED(64, 96)} gives [64, 96]).
     */
    public List<List<Long>> instantiationArgs(String macro) {
        List<List<Long>> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(macro) + "\\(\\s*(\\d+(?:\\s*,\\s*\\d+)*)\\s*\\)\\s*$")
                .matcher(text);
        while (m.find()) {
            List<Long> args = new ArrayList<>();
            for (String a : m.group(1).split(",")) {
                args.add(Long.parseLong(a.strip()));
            }
            out.add(args);
        }
        if (out.isEmpty()) {
            throw new AssertionError(name + ": no instantiation of " + macro + "(n, ...)");
        }
        return out;
    }

    /** How many fields (declarators) {@code struct name { ... };} declares. */
    public int structFields(String struct) {
        Matcher m = Pattern.compile("struct\\s+" + Pattern.quote(struct) + "\\s*\\{([^}]*)\\}").matcher(text);
        if (!m.find()) {
            throw new AssertionError(name + ": no struct " + struct);
        }
        String body = m.group(1).replaceAll("//[^\\n]*", "");
        int fields = 0;
        for (String decl : body.split(";")) {
            if (!decl.isBlank()) {
                fields += decl.split(",").length;
            }
        }
        return fields;
    }

    /** A static field of a Java class by reflection (private ones included): the Java side of a shared constant. */
    public static long javaConstant(Class<?> cls, String field) {
        try {
            Field f = cls.getDeclaredField(field);
            f.setAccessible(true);
            return ((Number) f.get(null)).longValue();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(cls.getName() + "." + field + ": " + e, e);
        }
    }

    /** A static int[][] field of a Java class by reflection, as lists. */
    public static List<List<Long>> javaConstantRows(Class<?> cls, String field) {
        try {
            Field f = cls.getDeclaredField(field);
            f.setAccessible(true);
            List<List<Long>> out = new ArrayList<>();
            for (int[] row : (int[][]) f.get(null)) {
                List<Long> r = new ArrayList<>();
                for (int v : row) {
                    r.add((long) v);
                }
                out.add(r);
            }
            return out;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(cls.getName() + "." + field + ": " + e, e);
        }
    }

    /** A static int[] field of a Java class by reflection. */
    public static List<Long> javaConstants(Class<?> cls, String field) {
        try {
            Field f = cls.getDeclaredField(field);
            f.setAccessible(true);
            List<Long> out = new ArrayList<>();
            for (int v : (int[]) f.get(null)) {
                out.add((long) v);
            }
            return out;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(cls.getName() + "." + field + ": " + e, e);
        }
    }

    /** A recursive-descent evaluator of the integer expressions #defines use; null when it is not one. */
    private static final class Expression {
        private final String s;
        private final Map<String, Long> names;
        private int i;

        Expression(String s, Map<String, Long> names) {
            this.s = s.strip();
            this.names = names;
        }

        Long value() {
            try {
                long v = sum();
                return i == s.length() ? v : null;
            } catch (IllegalStateException e) {
                return null;
            }
        }

        private long sum() {
            long v = product();
            while (peek() == '+' || peek() == '-') {
                char op = s.charAt(i++);
                long r = product();
                v = op == '+' ? v + r : v - r;
            }
            return v;
        }

        private long product() {
            long v = atom();
            while (peek() == '*' || peek() == '/') {
                char op = s.charAt(i++);
                long r = atom();
                v = op == '*' ? v * r : v / r;
            }
            return v;
        }

        private long atom() {
            char c = peek();
            if (c == '(') {
                i++;
                long v = sum();
                if (peek() != ')') {
                    throw new IllegalStateException();
                }
                i++;
                return v;
            }
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            String tok = s.substring(start, i);
            if (tok.isEmpty()) {
                throw new IllegalStateException();
            }
            if (Character.isDigit(tok.charAt(0))) {
                String digits = tok.replaceAll("[uUlL]+$", "");
                return digits.startsWith("0x") ? Long.parseLong(digits.substring(2), 16) : Long.parseLong(digits);
            }
            Long v = names.get(tok);
            if (v == null) {
                throw new IllegalStateException();
            }
            return v;
        }

        private char peek() {
            while (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
            return i < s.length() ? s.charAt(i) : '\0';
        }
    }
}
