package sagan4j.bench;

import sagan4j.backend.Backend;

/** The implementation label of a CPU backend in bench tables: the oneDNN backend and the reference apart. */
final class CpuImpl {
    private CpuImpl() {
    }

    static String of(Backend be) {
        return be.name().equals("cpu") ? "cpu-onednn" : "cpu-reference";
    }
}
