package sagan4j.testing;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Supplier;

import sagan4j.backend.Backend;

/**
 * One backend a contract suite runs on: the argument of the {@code @ParameterizedClass} contract suites in
 * {@code sagan4j.backend}. The name labels the run in the report; the backend is opened on first use (a
 * CUDA case without a GPU is skipped there, not at discovery); where a case's arithmetic or kernel version
 * differs from the suite's default (TF32 convolutions, one of several kernel versions) it carries the
 * tolerance or the version to check it with.
 */
public record BackendCase(String name, Supplier<? extends Backend> backend, OptionalDouble tolerance, Optional<String> impl) {
    public BackendCase {
        Objects.requireNonNull(name);
        Objects.requireNonNull(backend);
        Objects.requireNonNull(tolerance);
        Objects.requireNonNull(impl);
    }

    /** A case checked with the suite's own tolerance and default kernel version. */
    public static BackendCase of(String name, Supplier<? extends Backend> backend) {
        return new BackendCase(name, backend, OptionalDouble.empty(), Optional.empty());
    }

    /** This case with a relative L2 tolerance of its own (reduced-precision math). */
    public BackendCase withTolerance(double relativeL2) {
        return new BackendCase(name, backend, OptionalDouble.of(relativeL2), impl);
    }

    /** This case pinned to one kernel version of the family under test. */
    public BackendCase withImpl(String version) {
        return new BackendCase(name, backend, tolerance, Optional.of(version));
    }

    /** The backend, opened on the first call. */
    public Backend get() {
        return backend.get();
    }

    @Override
    public String toString() {
        return name;
    }
}
