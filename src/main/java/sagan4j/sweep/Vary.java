package sagan4j.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import sagan4j.backend.ConfigException;
import sagan4j.train.ConfigBinder;
import sagan4j.train.TrainConfig;

/**
 * One {@code --vary KEY=V1,V2,...}: a train setting (its flag, {@code lr-g}, or config.json's name,
 * {@code lrG}; kept as the flag) and the values a sweep tries for it. Each value is parsed as {@code train}
 * would parse it, so a bad one is refused before any run starts.
 */
public record Vary(String flag, List<String> values) {
    /** Settings a sweep sets itself: the run folder (DIR/runs/NAME), the seed (--seeds), the device (one backend for the whole sweep). */
    static final Set<String> RESERVED = Set.of("out", "seed", "device");

    public Vary {
        values = List.copyOf(values);
    }

    /** {@code KEY=V1,V2,...}, or one line naming what is wrong with it. */
    public static Vary parse(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new ConfigException("--vary: expected KEY=V1,V2,... (a train setting and the values to try), got '" + text + "'");
        }
        String key = text.substring(0, eq).trim();
        ConfigBinder.Spec spec = ConfigBinder.specs().stream().filter(s -> s.flag().equals(key) || s.name().equals(key)).findFirst()
                .orElseThrow(() -> new ConfigException("--vary: unknown setting '" + key
                        + "' (expected a flag of sagan4j train without its dashes, such as lr-g; see train --help)"));
        if (RESERVED.contains(spec.flag())) {
            throw new ConfigException("--vary: '" + spec.flag() + "' is set by the sweep itself (--out, --seeds, --device), expected another setting");
        }
        List<String> values = new ArrayList<>();
        for (String v : text.substring(eq + 1).split(",", -1)) {
            String value = v.trim();
            if (value.isEmpty()) {
                throw new ConfigException("--vary " + spec.flag() + ": an empty value in '" + text + "', expected V1,V2,... with none empty");
            }
            if (values.contains(value)) {
                throw new ConfigException("--vary " + spec.flag() + ": '" + value + "' is listed twice, expected each value once");
            }
            try {
                ConfigBinder.set(new TrainConfig(), spec.flag(), value);
            } catch (ConfigException bad) {
                throw new ConfigException("--vary " + bad.getMessage().replaceFirst("^--", ""));
            }
            values.add(value);
        }
        return new Vary(spec.flag(), values);
    }

    /** As given on the command line, for messages and sweep.json. */
    @Override
    public String toString() {
        return flag + "=" + String.join(",", values);
    }
}
