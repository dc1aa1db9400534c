package sagan4j.testing;

import java.util.stream.Stream;

import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

import sagan4j.backend.Backend;

/**
 * What makes a contract suite in {@code sagan4j.backend} run once per backend: the whole class is a
 * {@code @ParameterizedClass} over {@link #backends()}, the host backends by default. A suite for another
 * backend (the CUDA native tests) extends the contract and declares its own static {@code backends()},
 * which JUnit's {@code @MethodSource("backends")} resolves in the class it runs, so the contract's
 * methods run on that backend's cases alone.
 */
@ParameterizedClass(name = "on {0}")
@MethodSource("backends")
public abstract class ContractSuite {
    /** reference and cpu (oneDNN), one run of the suite each. */
    protected static Stream<BackendCase> backends() {
        return HostBackends.both();
    }

    /** The case this run checks. */
    @Parameter
    protected BackendCase backendCase;

    /** The backend under test; the same instance for the whole run. */
    protected Backend backend() {
        return backendCase.get();
    }
}
