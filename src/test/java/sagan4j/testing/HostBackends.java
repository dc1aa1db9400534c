package sagan4j.testing;

import java.util.stream.Stream;

import sagan4j.onednn.OneDnnBackend;
import sagan4j.reference.ReferenceBackend;

/**
 * The host backends every contract suite runs on in {@code mvn test}: {@code --device reference} (the
 * double-accumulating oracle) and {@code --device cpu} (oneDNN). One instance of each for the whole test
 * JVM: oneDNN's primitive cache is per backend, and creating primitives costs JIT time. The CUDA native
 * suites run the same contracts over their own cases (see {@code native-tests/java}).
 */
public final class HostBackends {
    private HostBackends() {
    }

    private static final class ReferenceHolder {
        static final ReferenceBackend BACKEND = new ReferenceBackend();
    }

    private static final class OneDnnHolder {
        static final OneDnnBackend BACKEND = OneDnnBackend.open();
    }

    /** The shared reference backend. */
    public static ReferenceBackend reference() {
        return ReferenceHolder.BACKEND;
    }

    /** The shared oneDNN backend (opened on first use). */
    public static OneDnnBackend oneDnn() {
        return OneDnnHolder.BACKEND;
    }

    /** reference, then cpu (oneDNN): the source of the contract suites' {@code @MethodSource}. */
    public static Stream<BackendCase> both() {
        return Stream.of(BackendCase.of("reference", HostBackends::reference), BackendCase.of("cpu", HostBackends::oneDnn));
    }
}
