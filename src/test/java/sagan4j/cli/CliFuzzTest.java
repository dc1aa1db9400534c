package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import sagan4j.backend.OneLine;
import sagan4j.testing.Fuzz;
import sagan4j.testing.Slow;
import sagan4j.train.ConfigBinder;
import sagan4j.train.TrainConfig;

/**
 * Seeded fuzzing of command lines, in-process through {@link Main#run}: every command (and {@code bench
 * step}, {@code help} and no command at all) with harmless valid arguments plus exactly one fault — an
 * unknown flag, another command's flag, a missing value, a value of the wrong type, a flag given twice,
 * odd unicode (control characters, a lone surrogate, bidi marks, emoji) as a flag or an argument, or an
 * out-of-range number among the checks each command makes before it does any work. Each case must exit 2
 * with exactly one line on stderr that names the fault, and write nothing in the output folder. The valid
 * arguments keep any work tiny (one step of the tiny preset on the reference backend, a 2x2 demo), so a
 * fault the CLI failed to catch shows up as exit 0, not as a long run.
 */
@Slow
class CliFuzzTest {
    /** The README quotes it. */
    public static final int CASES = 2000;
    private static final Fuzz fuzz = Fuzz.shared();
    @TempDir
    static Path tmp;
    private static Path out;
    private static Map<String, CommandSpec> specs;

    /** One command: the words that name it, harmless valid arguments, and the value checks made before any work. */
    private record Cmd(String name, List<List<String>> base, Map<String, List<String>> ranges) {
        List<String> path() {
            return name.isEmpty() ? List.of() : List.of(name.split(" "));
        }
    }

    private static final List<Cmd> COMMANDS = new ArrayList<>();

    private static void cmd(String name, List<List<String>> base, Map<String, List<String>> ranges) {
        COMMANDS.add(new Cmd(name, base, ranges));
    }

    @BeforeAll
    static void setUp() throws IOException {
        out = Files.createDirectories(tmp.resolve("out"));
        Path listConfig = Files.writeString(tmp.resolve("list.json"), "[1, 2]");
        Map<String, List<String>> model = new LinkedHashMap<>();
        model.put("--preset", List.of("nosuch", "TINY\u2028"));
        model.put("--resolution", List.of("7", "0", "-32"));
        model.put("--image-channels", List.of("2", "0"));
        model.put("--classes", List.of("0", "-1"));
        model.put("--ch", List.of("0", "-8"));
        model.put("--z-dim", List.of("0"));
        model.put("--attention-g", List.of("5", "3"));
        Map<String, List<String>> train = new LinkedHashMap<>(model);
        train.remove("--preset");
        train.put("--preset", List.of("nosuch", "\u202Etiny"));
        train.put("--batch", List.of("0", "-1"));
        train.put("--micro-batch", List.of("3"));
        train.put("--n-dis", List.of("0"));
        train.put("--steps", List.of("-1"));
        train.put("--ema-decay", List.of("1", "-0.5"));
        train.put("--beta1", List.of("1.5"));
        train.put("--beta2", List.of("-0.1"));
        train.put("--log-every", List.of("0"));
        train.put("--keep-checkpoints", List.of("0"));
        train.put("--prefetch", List.of("0"));
        train.put("--eval-samples", List.of("0"));
        train.put("--time-limit", List.of("abc", "-5s"));
        train.put("--device", List.of("nosuch", "😀"));
        train.put("--dataset", List.of("nosuch", "folder:", "cifar10:" + tmp.resolve("nowhere"), "folder:a\0b"));
        train.put("--out", List.of("a\0b"));
        train.put("--config", List.of(tmp.resolve("missing.json").toString(), listConfig.toString()));
        cmd("train", List.of(List.of("--dataset", "synthetic"), List.of("--steps", "1"), List.of("--device", "reference"),
                List.of("--out", out.resolve("run").toString()), List.of("--ch", "8"), List.of("--batch", "4"),
                List.of("--eval-every", "-1"), List.of("--sample-every", "0"), List.of("--checkpoint-every", "0")), train);
        Path sweepBase = Files.writeString(tmp.resolve("sweep-base.json"),
                "{\"dataset\": \"synthetic\", \"ch\": 8, \"batch\": 4, \"sampleEvery\": 0, \"checkpointEvery\": 0}");
        Map<String, List<String>> sweep = new LinkedHashMap<>();
        sweep.put("--vary", List.of("lrg", "nosuch=1", "lr-g=fast", "seed=1,2", "lr-g=1e-4,,2e-4"));
        sweep.put("--seeds", List.of("0", "-1"));
        sweep.put("--steps", List.of("-1"));
        sweep.put("--time-limit", List.of("abc"));
        sweep.put("--config", List.of(tmp.resolve("missing.json").toString(), listConfig.toString()));
        sweep.put("--device", List.of("nosuch"));
        sweep.put("--out", List.of("a\0b"));
        cmd("sweep", List.of(List.of("--config", sweepBase.toString()), List.of("--vary", "lr-g=1e-4"), List.of("--seeds", "1"),
                List.of("--steps", "1"), List.of("--eval", "false"), List.of("--device", "reference"), List.of("--out", out.resolve("sweep").toString())),
                sweep);
        cmd("sample", List.of(List.of("--checkpoint", tmp.resolve("missing.safetensors").toString()),
                List.of("--out", out.resolve("s.png").toString())), Map.of("--n", List.of("0", "-3"), "--out", List.of(out.resolve("s.jpg").toString())));
        cmd("eval", List.of(List.of("--checkpoint", tmp.resolve("missing.safetensors").toString())), Map.of("--n", List.of("0", "-1")));
        cmd("bench", List.of(List.of("gemm"), List.of("--iters", "1"), List.of("--warmup", "0"), List.of("--device", "reference")),
                Map.of("--iters", List.of("0", "-1"), "--warmup", List.of("-1"), "--device", List.of("nosuch", "\u00e9\u0301"), "", List.of("nosuchkernel", "gemm\u2028")));
        cmd("bench step", List.of(List.of("--preset", "tiny"), List.of("--batch", "2"), List.of("--steps", "1"), List.of("--warmup", "0"),
                List.of("--device", "reference")), Map.of("--batch", List.of("0"), "--steps", List.of("0", "-2"), "--rounds", List.of("0"),
                "--warmup", List.of("-1"), "--preset", List.of("nosuch"), "--threads", List.of("0", "-4"), "--device", List.of("nosuch")));
        cmd("model", List.of(List.of("--preset", "tiny")), model);
        cmd("export", List.of(List.of("--preset", "tiny"), List.of("--out", out.resolve("e.safetensors").toString())), model);
        cmd("import", List.of(List.of("--preset", "tiny"), List.of(tmp.resolve("missing.safetensors").toString())), Map.of());
        cmd("op", List.of(List.of("gemm"), List.of("--out", out.resolve("op").toString())), Map.of("", List.of("nosuchop", "\uFEFFgemm")));
        cmd("demo", List.of(List.of("--size", "2")), Map.of("--size", List.of("0", "8193", "-1")));
        cmd("doctor", List.of(), Map.of());
        cmd("kernels", List.of(), Map.of());
        cmd("help", List.of(), Map.of());
        cmd("", List.of(), Map.of("", List.of("nosuchcommand", "tra\u0000in", "TRAIN")));
        CommandLine root = new CommandLine(new Main());
        specs = new LinkedHashMap<>();
        for (Cmd c : COMMANDS) {
            CommandLine cl = root;
            for (String w : c.path()) {
                cl = cl.getSubcommands().get(w);
            }
            specs.put(c.name(), cl.getCommandSpec());
        }
    }

    @Test
    void everyFaultyCommandLineIsOneLineAndExit2AndWritesNothing() throws IOException {
        SplittableRandom rng = new SplittableRandom(51);
        Set<String> runsBefore = listing(Path.of("runs"));
        Map<String, Integer> kinds = new LinkedHashMap<>();
        for (int c = 0; c < CASES; c++) {
            Cmd cmd = COMMANDS.get(rng.nextInt(COMMANDS.size()));
            Case k = fault(cmd, specs.get(cmd.name()), rng);
            kinds.merge(k.kind(), 1, Integer::sum);
            String[] args = k.args().toArray(new String[0]);
            CliRun[] got = new CliRun[1];
            fuzz.run("cli", c, () -> got[0] = CliRun.of(args), t -> false);
            CliRun r = got[0];
            String what = "case " + c + " (" + k.kind() + "): sagan4j " + OneLine.of(String.join(" ", args)) + "\nstdout: " + r.out() + "\nstderr: " + r.err();
            assertEquals(2, r.exit(), what);
            String err = r.err().strip();
            assertEquals(1, err.lines().count(), what);
            assertTrue(Fuzz.isOneLine(err) && !err.contains("Exception") && !err.contains("\tat "), what);
            if (!k.names().isEmpty()) {
                assertTrue(k.names().stream().anyMatch(err::contains), "the line names the fault " + k.names() + ": " + what);
            }
            try (Stream<Path> s = Files.list(out)) {
                assertEquals(List.of(), s.toList(), "nothing written in the output folder: " + what);
            }
        }
        assertEquals(runsBefore, listing(Path.of("runs")), "no default run folder was made");
        assertTrue(kinds.size() >= 8, "every kind of fault ran: " + kinds);
    }

    private static Set<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return new LinkedHashSet<>(s.map(Path::toString).toList());
        }
    }

    /** The arguments, the kind of fault, and pieces of text of which the error line must contain one (none: nothing printable). */
    private record Case(List<String> args, String kind, List<String> names) {
    }

    /** Odd unicode for flags and arguments. */
    private static final String[] ODD = {"a\nb", "a\rb", "\u0000", "\uD800", "\u202Eevil", "😀", "e\u0301", "\uFEFF", "\u2028", "x\u0085y",
        "\u00a0", "ü", "中文", "\t"};

    private static Case fault(Cmd cmd, CommandSpec spec, SplittableRandom rng) {
        List<List<String>> groups = new ArrayList<>(cmd.base());
        List<String> tail = new ArrayList<>();
        String kind;
        List<String> names;
        int choice = rng.nextInt(8);
        List<OptionSpec> valued = spec.options().stream().filter(o -> o.arity().min() >= 1 && !isHelp(o)).toList();
        List<OptionSpec> typed = valued.stream().filter(o -> !wrongValues(cmd, o).isEmpty()).toList();
        if (choice == 0 || (choice == 1 && cmd.ranges().isEmpty()) || (choice == 2 && valued.isEmpty()) || (choice == 3 && typed.isEmpty())
                || (choice == 4 && cmd.base().stream().noneMatch(g -> g.size() == 2))) {
            String flag = unknownFlag(spec, rng);
            kind = "unknown flag";
            names = printable(flag);
            groups.add(rng.nextInt(4) == 0 ? List.of(flag + "=1") : List.of(flag));
        } else if (choice == 1) {
            List<String> keys = new ArrayList<>(cmd.ranges().keySet());
            String flag = keys.get(rng.nextInt(keys.size()));
            List<String> bad = cmd.ranges().get(flag);
            String v = bad.get(rng.nextInt(bad.size()));
            groups.removeIf(g -> flag.isEmpty() ? g.size() == 1 : g.get(0).equals(flag));
            if (flag.isEmpty()) {
                groups.add(0, List.of(v)); // the positional (or, at the top level, the command word)
            } else {
                groups.add(rng.nextBoolean() ? List.of(flag, v) : List.of(flag + "=" + v));
            }
            kind = "out of range";
            names = flag.isEmpty() ? printable(v) : nameOrValue(flag, v);
        } else if (choice == 2) {
            OptionSpec o = valued.get(rng.nextInt(valued.size()));
            String flag = o.longestName();
            groups.removeIf(g -> g.get(0).equals(flag));
            if (rng.nextBoolean()) {
                tail.add(flag); // the last argument: no value follows
            } else {
                List<OptionSpec> others = spec.options().stream().filter(x -> x != o && !isHelp(x) && x.arity().min() == 0).toList();
                String next = others.isEmpty() ? null : others.get(rng.nextInt(others.size())).longestName();
                if (next == null) {
                    tail.add(flag);
                } else {
                    groups.add(List.of(flag, next)); // an option where its value should be
                }
            }
            kind = "missing value";
            names = List.of(flag);
        } else if (choice == 3) {
            OptionSpec o = typed.get(rng.nextInt(typed.size()));
            String flag = o.longestName();
            List<String> bad = wrongValues(cmd, o);
            String v = bad.get(rng.nextInt(bad.size()));
            groups.removeIf(g -> g.get(0).equals(flag));
            groups.add(rng.nextBoolean() ? List.of(flag, v) : List.of(flag + "=" + v));
            kind = "wrong type";
            names = nameOrValue(flag, v);
        } else if (choice == 4) {
            List<List<String>> pairs = cmd.base().stream().filter(g -> g.size() == 2).toList();
            List<String> g = pairs.get(rng.nextInt(pairs.size()));
            groups.add(g);
            kind = "flag given twice";
            names = List.of(g.get(0));
        } else if (choice == 5) {
            String flag = otherCommandsFlag(spec, rng);
            groups.add(List.of(flag));
            kind = "another command's flag";
            names = List.of(flag);
        } else if (choice == 6) {
            String odd = ODD[rng.nextInt(ODD.length)];
            String flag = "--" + odd;
            groups.add(List.of(flag));
            kind = "odd unicode flag";
            names = printable(flag);
        } else {
            String odd = ODD[rng.nextInt(ODD.length)] + (rng.nextBoolean() ? "x" : "");
            tail.add(odd); // last: an extra argument, not one that pushes the real positional out
            kind = "odd unicode argument";
            names = printable(odd);
        }
        // the positional stays first (bench KERNEL, op NAME), the rest in random order
        List<List<String>> rest = new ArrayList<>(groups);
        List<List<String>> lead = new ArrayList<>();
        if (!rest.isEmpty() && rest.get(0).size() == 1 && !rest.get(0).get(0).startsWith("--")) {
            lead.add(rest.remove(0));
        }
        for (int i = rest.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            List<String> t = rest.get(i);
            rest.set(i, rest.get(j));
            rest.set(j, t);
        }
        List<String> args = new ArrayList<>(cmd.path());
        lead.forEach(args::addAll);
        rest.forEach(args::addAll);
        args.addAll(tail);
        return new Case(args, kind, names);
    }

    private static boolean isHelp(OptionSpec o) {
        return o.usageHelp() || o.versionHelp();
    }

    /** A message about a flag names it as --flag (the CLI's checks) or flag: (the model's), or quotes the value. */
    private static List<String> nameOrValue(String flag, String v) {
        List<String> n = new ArrayList<>(List.of(flag, flag.replaceFirst("^--", "") + ":"));
        n.addAll(printable(v));
        return n;
    }

    /** The text as the error line shows it; none where the line cannot show it (a lone surrogate becomes '?'). */
    private static List<String> printable(String s) {
        return s.isEmpty() || s.chars().anyMatch(ch -> Character.isSurrogate((char) ch)) ? List.of() : List.of(OneLine.of(s));
    }

    private static String unknownFlag(CommandSpec spec, SplittableRandom rng) {
        String[] words = {"nosuch", "bätch", "batch-size", "Batch", "x", "lr", "steps_", "--n", "ch\u200b"};
        String flag;
        do {
            flag = "--" + words[rng.nextInt(words.length)] + (rng.nextBoolean() ? "" : String.valueOf(rng.nextInt(10)));
        } while (spec.optionsMap().containsKey(flag));
        return flag;
    }

    private static String otherCommandsFlag(CommandSpec spec, SplittableRandom rng) {
        List<String> others = new ArrayList<>();
        for (CommandSpec s : specs.values()) {
            for (OptionSpec o : s.options()) {
                if (!spec.optionsMap().containsKey(o.longestName())) {
                    others.add(o.longestName());
                }
            }
        }
        return others.isEmpty() ? "--nosuch" : others.get(rng.nextInt(others.size()));
    }

    /** Values that do not parse as the option's type (train's flags take their type from TrainConfig's fields, ConfigBinder.specs()). */
    private static List<String> wrongValues(Cmd cmd, OptionSpec o) {
        Class<?> type = o.type();
        if (cmd.name().equals("train") && type == String.class) {
            type = ConfigBinder.specs().stream().filter(s -> ("--" + s.flag()).equals(o.longestName()))
                    .<Class<?>>map(ConfigBinder.Spec::type).findFirst().orElse(String.class);
        }
        if (type == int.class || type == Integer.class) {
            return List.of("abc", "1.5", "", "2147483648", "0x10", "1e3", "½");
        }
        if (type == long.class || type == Long.class) {
            return List.of("abc", "1.5", "9223372036854775808", "");
        }
        if (type == float.class || type == Float.class) {
            return List.of("abc", "NaN", "Infinity", "1,5", "");
        }
        if (type == double.class || type == Double.class) {
            return List.of("abc", "1,5", "");
        }
        if (type == boolean.class || type == Boolean.class) {
            return o.arity().min() >= 1 ? List.of("maybe", "yes", "1") : List.of(); // picocli reads an empty --ema= as true
        }
        if (type.isEnum()) {
            return List.of("nosuch", "");
        }
        return List.of();
    }

    @Test
    void theFuzzedCommandsAreAllOfThem() {
        Set<String> names = new LinkedHashSet<>();
        new CommandLine(new Main()).getSubcommands().forEach((n, cl) -> {
            names.add(n);
            cl.getSubcommands().keySet().forEach(s -> names.add(n + " " + s));
        });
        Set<String> fuzzed = new LinkedHashSet<>(specs.keySet());
        fuzzed.remove("");
        assertEquals(new java.util.TreeSet<>(names), new java.util.TreeSet<>(fuzzed), "every command of Main is fuzzed");
        assertTrue(Arrays.stream(ODD).allMatch(s -> !s.isEmpty()));
    }
}
