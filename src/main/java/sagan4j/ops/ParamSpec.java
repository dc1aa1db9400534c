package sagan4j.ops;

/** A parameter an op accepts: its type (checked before the op runs), default as text, and a short help. */
public record ParamSpec(String key, Type type, String dflt, String help) {
    /** How the value is parsed. */
    public enum Type {
        FLOAT, INT, BOOL
    }

    public static ParamSpec f(String key, String dflt, String help) {
        return new ParamSpec(key, Type.FLOAT, dflt, help);
    }

    public static ParamSpec i(String key, String dflt, String help) {
        return new ParamSpec(key, Type.INT, dflt, help);
    }

    public static ParamSpec b(String key, String dflt, String help) {
        return new ParamSpec(key, Type.BOOL, dflt, help);
    }
}
