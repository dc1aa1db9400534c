package sagan4j.backend;

import java.util.List;

/**
 * What every op family (convolution, spectral norm, attention, conditional batch norm) shares: the
 * backend it checks arguments against, and the kernel versions it has, selectable by name — the first
 * one is the default.
 */
public abstract class OpFamily {
    protected final Backend backend;
    private final String family;
    private final List<String> impls;
    private String impl;

    /** @param impls the versions this backend has, the default first (the CPU has one, "reference") */
    protected OpFamily(Backend backend, String family, List<String> impls) {
        if (impls.isEmpty()) {
            throw new IllegalArgumentException(family + " on " + backend.name() + " needs at least one implementation");
        }
        this.backend = backend;
        this.family = family;
        this.impls = List.copyOf(impls);
        this.impl = impls.get(0);
    }

    /** The versions this backend has, the default first. */
    public final List<String> impls() {
        return impls;
    }

    /** The version in use. */
    public final String impl() {
        return impl;
    }

    /** Selects a version by name; one line naming the choices otherwise. */
    public final void setImpl(String name) {
        if (!impls.contains(name)) {
            throw new ShapeException(family + " on " + backend.name() + " has versions " + impls + ", not '" + name + "'");
        }
        impl = name;
    }
}
