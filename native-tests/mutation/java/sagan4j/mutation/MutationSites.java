package sagan4j.mutation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the mutation sites of one Java source file's backward wiring and makes one mutant per site. Only the
 * bodies of gradient methods are looked at: methods whose name contains "backward", "accumulate" or
 * "gradients" (any case). There, each mutant changes one thing:
 * <ul>
 *   <li>a call {@code r.backward(...)} used as a statement: deleted;</li>
 *   <li>a call {@code r.backward(x, ...)} whose value is used: skipped (replaced by {@code x}, the gradient it was
 *       given), and, as a second mutant, its result zeroed (the call still runs, so its own weight gradients
 *       accumulate, but nothing flows on);</li>
 *   <li>a statement calling {@code axpy}, {@code axpyScalar}, {@code copy}, {@code fill} (gradient accumulation, the
 *       first term of a sum, the clearing of an accumulator), {@code channelBiasGrad}, {@code scatterAddRows} or a
 *       backend op whose name contains "backward" ({@code reluBackward}, {@code backwardData}, ...): deleted
 *       (replaced by an empty block);</li>
 *   <li>a {@code gemm} whose β (6th argument) is {@code 1f} (it accumulates into its output): β set to 0f.</li>
 * </ul>
 * The analysis runs on a copy of the source with comments and string/char literals blanked (same offsets), so
 * that brackets inside them do not count; edits are applied to the original text.
 */
final class MutationSites {
    /** One mutant: where, what was done, and the whole mutated source. */
    record Mutant(String file, int line, String description, String source) {
    }

    private static final Pattern METHOD = Pattern.compile(
            "(?m)^\\s+(?:(?:public|protected|private|static|final|abstract|synchronized)\\s+)*[\\w<>\\[\\],.? ]+?\\s+(\\w+)\\s*\\([^;{]*?\\)\\s*(?:throws [\\w., ]+)?\\{");
    private static final Pattern GRADIENT_METHOD = Pattern.compile("(?i).*(backward|accumulate|gradients).*");
    private static final Pattern STATEMENT_CALL = Pattern.compile(
            "\\.(axpy|axpyScalar|copy|fill|channelBiasGrad|scatterAddRows|\\w*[bB]ackward\\w*)\\(");
    private static final String ZERO = "((java.util.function.UnaryOperator<sagan4j.backend.Tensor>) t__ -> { "
            + "t__.backend().fill(t__, 0f); return t__; }).apply(";

    private final String file;
    private final String src;
    private final String masked;
    private final List<Mutant> out = new ArrayList<>();

    private MutationSites(String file, String src) {
        this.file = file;
        this.src = src;
        this.masked = mask(src);
    }

    static List<Mutant> of(String file, String src) {
        MutationSites s = new MutationSites(file, src);
        s.scan();
        return s.out;
    }

    private void scan() {
        Matcher m = METHOD.matcher(masked);
        while (m.find()) {
            String name = m.group(1);
            int open = m.end() - 1, close = matching(open);
            if (GRADIENT_METHOD.matcher(name).matches() && !name.equals("if") && !name.equals("for")) {
                scanBody(name, open + 1, close);
            }
        }
    }

    private void scanBody(String method, int from, int to) {
        int i = from;
        while ((i = masked.indexOf(".backward(", i)) >= 0 && i < to) {
            backwardCall(method, i);
            i += ".backward(".length();
        }
        Matcher a = STATEMENT_CALL.matcher(masked).region(from, to);
        while (a.find()) {
            if (a.group(1).equals("backward")) {
                continue;   // done above, with the value-use mutants
            }
            int start = receiverStart(a.start());
            int close = matching(a.end() - 1);
            if (isStatement(start, close)) {
                int semi = masked.indexOf(';', close);
                add(start, method, "delete " + flat(src.substring(start, semi + 1)), src.substring(0, start) + "{ }" + src.substring(semi + 1));
            }
        }
        i = from;
        while ((i = masked.indexOf("gemm(", i)) >= 0 && i < to) {
            int open = i + "gemm".length();
            List<int[]> args = arguments(open, matching(open));
            if (args.size() == 7) {   // gemm(transA, transB, alpha, A, B, beta, C)
                int[] beta = args.get(5);
                if (src.substring(beta[0], beta[1]).strip().equals("1f")) {
                    int start = receiverStart(i - 1);
                    add(start, method, "β 1f → 0f in " + flat(src.substring(start, matching(open) + 1)),
                            src.substring(0, beta[0]) + " 0f" + src.substring(beta[1]));
                }
            }
            i = open;
        }
    }

    private void backwardCall(String method, int dot) {
        int start = receiverStart(dot);
        int open = dot + ".backward".length(), close = matching(open);
        String call = src.substring(start, close + 1);
        if (isStatement(start, close)) {
            int semi = masked.indexOf(';', close);
            add(start, method, "delete " + flat(call) + ";", src.substring(0, start) + "{ }" + src.substring(semi + 1));
            return;
        }
        List<int[]> args = arguments(open, close);
        if (!args.isEmpty()) {
            String first = src.substring(args.get(0)[0], args.get(0)[1]).strip();
            add(start, method, "skip " + flat(call) + " (pass " + flat(first) + " on)",
                    src.substring(0, start) + "(" + first + ")" + src.substring(close + 1));
        }
        add(start, method, "zero the result of " + flat(call),
                src.substring(0, start) + ZERO + call + ")" + src.substring(close + 1));
    }

    private void add(int at, String method, String what, String mutated) {
        int line = 1;
        for (int k = 0; k < at; k++) {
            if (src.charAt(k) == '\n') {
                line++;
            }
        }
        out.add(new Mutant(file, line, method + ": " + what, mutated));
    }

    /** True when the expression [start, close] is a whole statement: followed by ';', preceded by ';', '{', '}', else or ->. */
    private boolean isStatement(int start, int close) {
        int after = skipSpace(close + 1, 1);
        if (after >= masked.length() || masked.charAt(after) != ';') {
            return false;
        }
        int before = skipSpace(start - 1, -1);
        char c = masked.charAt(before);
        if (c == ';' || c == '{' || c == '}') {
            return true;
        }
        if (masked.startsWith("else", before - 3) || masked.startsWith("->", before - 1)) {
            return true;
        }
        // if (cond) stmt;  — the ')' closes an if's condition
        if (c == ')') {
            int open = matchingBack(before);
            int kw = skipSpace(open - 1, -1);
            return masked.startsWith("if", kw - 1) || masked.startsWith("for", kw - 2) || masked.startsWith("while", kw - 4);
        }
        return false;
    }

    /** The start of the receiver expression ending just before {@code dot}: identifiers, '.', and balanced (...) groups. */
    private int receiverStart(int dot) {
        int i = dot - 1;
        while (i >= 0) {
            char c = masked.charAt(i);
            if (Character.isJavaIdentifierPart(c) || c == '.') {
                i--;
            } else if (c == ')') {
                i = matchingBack(i) - 1;
            } else {
                break;
            }
        }
        return i + 1;
    }

    /** Top-level comma-separated argument spans of the call whose '(' is at {@code open} and ')' at {@code close}. */
    private List<int[]> arguments(int open, int close) {
        List<int[]> args = new ArrayList<>();
        int depth = 0, from = open + 1;
        for (int k = open + 1; k < close; k++) {
            char c = masked.charAt(k);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                args.add(new int[] {from, k});
                from = k + 1;
            }
        }
        if (!masked.substring(from, close).isBlank()) {
            args.add(new int[] {from, close});
        }
        return args;
    }

    private int matching(int open) {
        char o = masked.charAt(open), c = o == '(' ? ')' : o == '{' ? '}' : ']';
        int depth = 0;
        for (int k = open; k < masked.length(); k++) {
            if (masked.charAt(k) == o) {
                depth++;
            } else if (masked.charAt(k) == c && --depth == 0) {
                return k;
            }
        }
        throw new IllegalStateException(file + ": unbalanced '" + o + "' at offset " + open);
    }

    private int matchingBack(int close) {
        int depth = 0;
        for (int k = close; k >= 0; k--) {
            if (masked.charAt(k) == ')') {
                depth++;
            } else if (masked.charAt(k) == '(' && --depth == 0) {
                return k;
            }
        }
        throw new IllegalStateException(file + ": unbalanced ')' at offset " + close);
    }

    private int skipSpace(int k, int step) {
        while (k >= 0 && k < masked.length() && Character.isWhitespace(masked.charAt(k))) {
            k += step;
        }
        return k;
    }

    private static String flat(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }

    /** The source with comments and string/char literal contents replaced by spaces (newlines kept). */
    static String mask(String s) {
        StringBuilder b = new StringBuilder(s);
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') {
                    b.setCharAt(i++, ' ');
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (; i < end; i++) {
                    if (s.charAt(i) != '\n') {
                        b.setCharAt(i, ' ');
                    }
                }
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && s.charAt(i) != c) {
                    if (s.charAt(i) == '\\') {
                        b.setCharAt(i++, ' ');
                    }
                    b.setCharAt(i++, ' ');
                }
                i++;
            } else {
                i++;
            }
        }
        return b.toString();
    }
}
