package sagan4j.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import sagan4j.io.Json;

/**
 * The golden values that PyTorch computed once from the transcriptions in {@code bench/peers}
 * ({@code src/test/resources/golden/peers.json}, written by {@code python3 bench/peers/goldens.py >
 * src/test/resources/golden/peers.json}): independent of the Java code the tests check, so a test
 * against them cannot pass by restating that code.
 */
public final class Goldens {
    private Goldens() {
    }

    private static final class Holder {
        static final Map<?, ?> PEERS = load("/golden/peers.json");
    }

    private static Map<?, ?> load(String resource) {
        try (InputStream in = Goldens.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            return (Map<?, ?>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value at {@code path} (keys from the top of peers.json down), e.g. {@code peer("params", "tiny", "g")}. */
    public static Object peer(String... path) {
        Object v = Holder.PEERS;
        StringBuilder at = new StringBuilder("peers.json");
        for (String key : path) {
            at.append(" / ").append(key);
            if (!(v instanceof Map<?, ?> m) || !m.containsKey(key)) {
                throw new IllegalStateException(at + ": missing (regenerate with bench/peers/goldens.py)");
            }
            v = m.get(key);
        }
        return v;
    }

    /** An integer golden (a count of parameters or bytes). */
    public static long peerLong(String... path) {
        return ((Number) peer(path)).longValue();
    }

    /** A floating-point golden, as the float the Java settings hold. */
    public static float peerFloat(String... path) {
        return ((Number) peer(path)).floatValue();
    }
}
