package sagan4j.onednn;

import sagan4j.testing.HostBackends;

/** The one oneDNN backend the test classes share, the contract suites' too (creating primitives costs JIT time; the cache is per backend). */
final class OneDnnTestBackend {
    static final OneDnnBackend CPU = HostBackends.oneDnn();

    private OneDnnTestBackend() {
    }
}
