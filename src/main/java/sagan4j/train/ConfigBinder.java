package sagan4j.train;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import sagan4j.backend.ConfigException;

/**
 * Binds {@link TrainConfig}'s settings to text, the one place that knows how: the list of settings (every
 * public field annotated {@link TrainConfig.Setting}, with its flag name, type, help and default), parsing a
 * setting from text and writing all of them back, and the layering {@code sagan4j train} applies —
 * defaults, then a config file ({@code --config FILE.json}, or on {@code --resume} the run's own
 * config.json, read by {@link ConfigFile}), then the flags given. Every bad value is one
 * {@link ConfigException} line naming the flag.
 */
public final class ConfigBinder {
    /**
     * One setting: its field name (config.json's key), its flag without the dashes ({@code lrG} →
     * {@code lr-g}), the field's type, the help text, and the default as text (null where the default is
     * "none": model overrides, device, out).
     */
    public record Spec(String name, String flag, Class<?> type, String help, String defaultText) {
        /** A true/false setting: a bare {@code --flip} means {@code --flip true}. */
        public boolean isSwitch() {
            return type == boolean.class;
        }
    }

    private static final TrainConfig DEFAULTS = new TrainConfig();
    private static final List<Field> FIELDS = fields();
    private static final List<Spec> SPECS = specs(FIELDS);

    private ConfigBinder() {
    }

    /** Every setting, in declaration order. */
    public static List<Spec> specs() {
        return SPECS;
    }

    /**
     * The layered settings of a run: the defaults, then the settings in {@code file} (when not null), then
     * {@code flags} (flag name without dashes → text, as given on the command line) on top.
     */
    public static TrainConfig bind(Path file, Map<String, String> flags) {
        TrainConfig cfg = new TrainConfig();
        if (file != null) {
            ConfigFile.read(file, cfg);
        }
        flags.forEach((flag, text) -> set(cfg, flag, text));
        return cfg;
    }

    /** Sets the setting {@code name} (field or flag name) of {@code cfg} from text; one line naming it when the text is bad. */
    public static TrainConfig set(TrainConfig cfg, String name, String text) {
        for (int i = 0; i < FIELDS.size(); i++) {
            Field f = FIELDS.get(i);
            Spec s = SPECS.get(i);
            if (s.name().equals(name) || s.flag().equals(name)) {
                try {
                    Object v = parse(s.type(), text);
                    if (v == null && s.defaultText() != null) {
                        // null means "the default" only where the default is null (model overrides, device, out)
                        throw new IllegalArgumentException("null"); // one line below
                    }
                    f.set(cfg, v);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("--" + s.flag() + ": expected " + describe(s.type()) + ", got '" + text + "'");
                }
                return cfg;
            }
        }
        throw new ConfigException("config: unknown setting '" + name + "'");
    }

    /** Every setting of {@code cfg} as text (null for unset model overrides), in declaration order: config.json's content. */
    public static Map<String, String> toMap(TrainConfig cfg) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Field f : FIELDS) {
            out.put(f.getName(), text(f, cfg));
        }
        return out;
    }

    private static List<Field> fields() {
        List<Field> out = new ArrayList<>();
        for (Field f : TrainConfig.class.getFields()) {
            if (f.isAnnotationPresent(TrainConfig.Setting.class) && !Modifier.isStatic(f.getModifiers())) {
                out.add(f);
            }
        }
        return List.copyOf(out);
    }

    private static List<Spec> specs(List<Field> fields) {
        List<Spec> out = new ArrayList<>();
        for (Field f : fields) {
            out.add(new Spec(f.getName(), f.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT), f.getType(),
                    f.getAnnotation(TrainConfig.Setting.class).value(), text(f, DEFAULTS)));
        }
        return List.copyOf(out);
    }

    private static String text(Field f, TrainConfig cfg) {
        try {
            Object v = f.get(cfg);
            return v == null ? null : v instanceof Enum<?> e ? enumText(e) : String.valueOf(v);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object parse(Class<?> type, String text) {
        if (text == null || text.equals("null")) {
            if (type.isPrimitive()) {
                throw new IllegalArgumentException("null");
            }
            return null;
        }
        if (type == String.class) {
            return text;
        }
        if (type == int.class || type == Integer.class) {
            return Integer.valueOf(text);
        }
        if (type == long.class || type == Long.class) {
            return Long.valueOf(text);
        }
        if (type == float.class || type == Float.class) {
            float v = Float.parseFloat(text);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(text);
            }
            return v;
        }
        if (type == boolean.class || type == Boolean.class) {
            if (!text.equals("true") && !text.equals("false")) {
                throw new IllegalArgumentException(text);
            }
            return Boolean.valueOf(text);
        }
        if (type.isEnum()) {
            for (Object c : type.getEnumConstants()) {
                if (enumText((Enum<?>) c).equals(text.toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            throw new IllegalArgumentException(text);
        }
        throw new IllegalStateException("no parser for " + type);
    }

    private static String describe(Class<?> type) {
        if (type.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object c : type.getEnumConstants()) {
                names.add(enumText((Enum<?>) c));
            }
            return "one of " + names;
        }
        return switch (type.getSimpleName().toLowerCase(Locale.ROOT)) {
            case "int", "integer", "long" -> "an integer";
            case "float" -> "a finite number";
            case "boolean" -> "true or false";
            default -> "text";
        };
    }

    /** HINGE → hinge, NON_SATURATING → non-saturating. */
    static String enumText(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
