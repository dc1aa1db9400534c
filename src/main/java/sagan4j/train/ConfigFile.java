package sagan4j.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import sagan4j.backend.ConfigException;
import sagan4j.io.Json;

/**
 * Settings from JSON into a {@link TrainConfig} ({@link ConfigBinder} parses each value): {@code --config
 * FILE.json}, a run's config.json on {@code --resume} (its {@code "settings"} object), and the
 * {@code config} a checkpoint carries in its metadata. Every failure is one {@link ConfigException} line
 * naming the source: not UTF-8, not JSON, not an object, an unknown setting or a value of the wrong type.
 */
public final class ConfigFile {
    /** A config file is a few KiB; anything past this is not one (and is refused before it is read). */
    public static final long MAX_BYTES = 1 << 20;

    private ConfigFile() {
    }

    /** Applies the settings in {@code file} to {@code into} (flags given on the command line go on top afterwards). */
    public static TrainConfig read(Path file, TrainConfig into) {
        java.util.Objects.requireNonNull(file, "ConfigFile.read: file is null (expected a path)");
        java.util.Objects.requireNonNull(into, "ConfigFile.read: into is null (expected the TrainConfig to fill)");
        String text;
        try {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(file + ": " + (Files.exists(file) ? "not a regular file" : "missing")
                        + " (expected a config.json written by sagan4j train, or a JSON object of settings)");
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new ConfigException(file + ": " + size + " bytes, expected a config.json of at most " + MAX_BYTES);
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text (expected a JSON object of settings)");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        return apply(text, file.toString(), into);
    }

    /**
     * Applies the settings in {@code json} — an object of settings, or a run's config.json whose
     * {@code "settings"} object holds them — to {@code into}.
     *
     * @param source names the text in messages (a file, or a checkpoint's metadata)
     */
    @SuppressWarnings("unchecked")
    public static TrainConfig apply(String json, String source, TrainConfig into) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": not JSON (" + e.getMessage() + ")");
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new ConfigException(source + ": expected a JSON object of settings, got " + kind(parsed));
        }
        Object settings = m.get("settings") instanceof Map<?, ?> s ? s : m;
        for (Map.Entry<String, Object> e : ((Map<String, Object>) settings).entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map || v instanceof java.util.List) {
                throw new ConfigException(source + ": setting '" + e.getKey() + "' is " + kind(v) + " (expected a number, text, true/false or null)");
            }
            try {
                ConfigBinder.set(into, e.getKey(), v == null ? null : String.valueOf(v));
            } catch (ConfigException bad) {
                throw new ConfigException(source + ": " + bad.getMessage());
            }
        }
        return into;
    }

    private static String kind(Object v) {
        return v == null ? "null" : v instanceof Map ? "an object" : v instanceof java.util.List ? "a list" : v instanceof String ? "text"
                : v instanceof Boolean ? "true/false" : "a number";
    }
}
