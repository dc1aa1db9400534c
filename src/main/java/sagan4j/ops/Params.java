package sagan4j.ops;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** An op's {@code --param KEY=VALUE} settings, typed on read, with one-line errors. */
public final class Params {
    private final Map<String, String> values;

    public Params(Map<String, String> values) {
        this.values = new LinkedHashMap<>(values);
    }

    public static Params none() {
        return new Params(Map.of());
    }

    /** Fails on a key the op does not know, or a value that does not parse as its declared type. */
    void requireValid(String op, List<ParamSpec> specs) {
        Set<String> known = new LinkedHashSet<>();
        for (ParamSpec s : specs) {
            known.add(s.key());
        }
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                throw new OpInputException(op + ": unknown param '" + k + "' (expected one of " + known + ")");
            }
        }
        for (ParamSpec s : specs) {
            switch (s.type()) {
                case FLOAT -> getFloat(s.key(), 0f);
                case INT -> getInt(s.key(), 0, Integer.MIN_VALUE);
                case BOOL -> getBool(s.key(), false);
            }
        }
    }

    public float getFloat(String key, float dflt) {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            float f = Float.parseFloat(v);
            if (!Float.isFinite(f)) {
                throw new NumberFormatException();
            }
            return f;
        } catch (NumberFormatException e) {
            throw new OpInputException("param " + key + ": expected a finite number, got '" + v + "'");
        }
    }

    public int getInt(String key, int dflt, int min) {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        int i;
        try {
            i = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new OpInputException("param " + key + ": expected an integer, got '" + v + "'");
        }
        if (i < min) {
            throw new OpInputException("param " + key + ": expected an integer >= " + min + ", got " + i);
        }
        return i;
    }

    public boolean getBool(String key, boolean dflt) {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new OpInputException("param " + key + ": expected true or false, got '" + v + "'");
        };
    }
}
