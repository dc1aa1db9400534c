package sagan4j.cli;

import java.util.Locale;

import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.onednn.OneDnnBackend;
import sagan4j.onednn.OneDnnUnavailableException;

/**
 * Opens the backend a {@code --device} option names: {@code cpu} the fast oneDNN backend (the
 * double-precision reference, with one line on stderr saying so, where oneDNN cannot load),
 * {@code reference} the reference itself, {@code cuda} the GPU.
 */
final class Devices {
    private Devices() {
    }

    static Backend open(String device) {
        return switch (device.toLowerCase(Locale.ROOT)) {
            case "cpu" -> openCpu();
            case "reference", "ref" -> new ReferenceBackend();
            case "cuda", "gpu" -> CudaBackend.open();
            default -> throw new ConfigException("--device: expected cpu, reference or cuda, got '" + device + "'");
        };
    }

    private static Backend openCpu() {
        try {
            return OneDnnBackend.open();
        } catch (OneDnnUnavailableException e) {
            System.err.println("sagan4j: --device cpu runs on the reference backend (slow): " + e.getMessage());
            return new ReferenceBackend();
        }
    }
}
