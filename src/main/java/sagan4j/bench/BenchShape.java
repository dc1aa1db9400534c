package sagan4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import sagan4j.ops.OpInputException;

/** Named sizes of one benchmark case, e.g. {@code B=64,N=256,M=64,d=16,c=64}, with an optional label. */
public record BenchShape(String label, Map<String, Integer> dims) {

    public BenchShape {
        dims = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dims));
    }

    /** Parses {@code KEY=INT,KEY=INT,...}; {@code required} lists the keys that must all be present. */
    public static BenchShape parse(String spec, String... required) {
        Map<String, Integer> dims = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new OpInputException("--shape: expected KEY=INT pairs separated by commas, got '" + spec + "'");
            }
            try {
                int v = Integer.parseInt(kv[1].strip());
                if (v < 1) {
                    throw new NumberFormatException();
                }
                dims.put(kv[0].strip(), v);
            } catch (NumberFormatException e) {
                throw new OpInputException("--shape: " + kv[0].strip() + " must be a positive integer, got '" + kv[1] + "'");
            }
        }
        for (String k : required) {
            if (!dims.containsKey(k)) {
                throw new OpInputException("--shape: missing " + k + " (expected keys " + String.join(",", required)
                        + "), got '" + spec + "'");
            }
        }
        if (dims.size() != required.length) {
            throw new OpInputException("--shape: expected exactly the keys " + String.join(",", required) + ", got '" + spec + "'");
        }
        return new BenchShape("custom", dims);
    }

    public static BenchShape of(String label, Object... keyValues) {
        Map<String, Integer> dims = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            dims.put((String) keyValues[i], (Integer) keyValues[i + 1]);
        }
        return new BenchShape(label, dims);
    }

    public int get(String key) {
        Integer v = dims.get(key);
        if (v == null) {
            throw new IllegalArgumentException("shape " + this + " has no " + key);
        }
        return v;
    }

    /** {@code B=64,N=256,...}. */
    public String spec() {
        StringBuilder sb = new StringBuilder();
        dims.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    @Override
    public String toString() {
        return label + " (" + spec() + ")";
    }
}
