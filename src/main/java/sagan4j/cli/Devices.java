package sagan4j.cli;

import java.util.Locale;

import sagan4j.backend.Backend;
import sagan4j.cpu.CpuBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.ops.OpInputException;

/** Opens the backend a {@code --device} option names. */
final class Devices {
    private Devices() {
    }

    static Backend open(String device) {
        return switch (device.toLowerCase(Locale.ROOT)) {
            case "cpu" -> new CpuBackend();
            case "cuda", "gpu" -> CudaBackend.open();
            default -> throw new OpInputException("--device: expected cpu or cuda, got '" + device + "'");
        };
    }
}
