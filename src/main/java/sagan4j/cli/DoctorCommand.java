package sagan4j.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.natives.CudaNatives;
import sagan4j.cuda.natives.NativeReport;
import sagan4j.cuda.runtime.CudaContext;
import sagan4j.cuda.runtime.CudaUnavailableException;
import sagan4j.cuda.runtime.Fatbin;
import sagan4j.onednn.OneDnnBackend;
import sagan4j.onednn.OneDnnUnavailableException;

/**
 * {@code sagan4j doctor}: what this machine offers sagan4j — Java and OS, the driver, each GPU, which
 * CUDA libraries load from where and at which version, whether the packed kernels run on the GPU, and
 * which GEMM and convolution paths will be used. No GPU: one line, exit 2.
 */
@Command(name = "doctor", description = "Report the GPU, driver, CUDA libraries and the paths sagan4j will use.")
final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        String javaOs = "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ") on "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
        NativeReport natives = CudaNatives.load();
        List<CudaContext.DeviceInfo> gpus;
        try {
            gpus = CudaContext.devices();
        } catch (CudaUnavailableException e) {
            System.err.println("sagan4j doctor: " + e.getMessage() + " — " + javaOs
                    + "; the CPU backend still works (--device cpu: " + cpuPath() + ")");
            return Main.EXIT_USAGE;
        }
        System.out.println("sagan4j doctor");
        System.out.println("java     " + javaOs);
        System.out.println("driver   CUDA " + CudaContext.driverVersion() + " (" + natives.driver().summary().strip() + ")");
        Map<String, byte[]> images = Fatbin.packagedImages();
        for (CudaContext.DeviceInfo d : gpus) {
            StringBuilder kernels = new StringBuilder();
            for (Map.Entry<String, byte[]> image : images.entrySet()) {
                Fatbin fb = Fatbin.parse(image.getValue());
                kernels.append(image.getKey()).append(fb.runsOn(d.ccMajor(), d.ccMinor())
                        ? (fb.hasSass(d.ccMajor() * 10 + d.ccMinor()) ? " has SASS for it" : " runs on it (PTX JIT or same-major SASS)")
                        : " has NO code for it").append("; ");
            }
            System.out.printf("gpu %d    %s, compute capability %s, %d SMs, %d MiB; kernels: %s%n", d.index(), d.name(),
                    d.computeCapability(), d.multiprocessors(), d.totalMemory() >> 20, kernels);
        }
        System.out.println(natives.toText());
        try (CudaBackend be = CudaBackend.open()) {
            String gemm = be.gemmPath().describe();
            if (be.gemmFallbackReason() != null) {
                gemm += " — fallback because " + be.gemmFallbackReason();
            }
            System.out.println("GEMM     " + gemm);
            System.out.println("conv     " + convolutionPath(natives, be));
            System.out.println("backend  " + be.describe());
        }
        System.out.println("cpu      " + cpuPath());
        return 0;
    }

    /** What {@code --device cpu} runs on: oneDNN (version, the implementation its JIT picks, threads) or the reference. */
    static String cpuPath() {
        try (OneDnnBackend cpu = OneDnnBackend.open()) {
            return "oneDNN " + OneDnnBackend.onednnVersion() + ", " + cpu.isa() + ", " + OneDnnBackend.threads()
                    + " OpenMP threads (OMP_WAIT_POLICY " + System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset")
                    + ", GOMP_SPINCOUNT " + System.getenv().getOrDefault("GOMP_SPINCOUNT", "unset") + ")";
        } catch (OneDnnUnavailableException e) {
            return "the reference backend, since " + e.getMessage();
        }
    }

    /** The convolution path the backend chose: cuDNN (its handle was created) or im2col + GEMM, with the reason. */
    private static String convolutionPath(NativeReport natives, CudaBackend be) {
        if (be.conv().impl().equals("cudnn")) {
            return "cuDNN " + natives.cudnn().runtimeVersion() + " (deterministic algorithms from cuDNN's heuristics, "
                    + "cached per shape; im2col + GEMM selectable)";
        }
        String why = natives.cudnn().loaded() ? be.conv().cudnnUnavailableReason() : natives.cudnn().reason();
        return "im2col + GEMM (kernels/conv.cu) — cuDNN cannot be used: " + why;
    }
}
