package sagan4j.onednn;

/** The one oneDNN backend the test classes share (creating primitives costs JIT time; the cache is per backend). */
final class OneDnnTestBackend {
    static final OneDnnBackend CPU = OneDnnBackend.open();

    private OneDnnTestBackend() {
    }
}
