package sagan4j.cuda.leaks;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuMemAlloc;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import sagan4j.backend.Backend;
import sagan4j.cuda.CudaBackend;
import sagan4j.testing.TinyTraining;

/**
 * The child JVM of {@link LeakReportNativeTest}: opens a CUDA backend, trains {@code tiny} (width 8, batch 4)
 * for 3 steps, takes and closes a timer, closes everything and exits, so that the emulator's report at exit
 * lists what sagan4j left open. With argument {@code leak} it also leaves one device buffer and one event
 * open on purpose (the control: the report must name exactly those).
 */
public final class LeakProbe {
    private LeakProbe() {
    }

    public static void main(String[] args) {
        boolean leak = args.length > 0 && args[0].equals("leak");
        try (CudaBackend cuda = CudaBackend.open(); TinyTraining run = new TinyTraining(cuda, TinyTraining.config(8, 4))) {
            System.out.println("LeakProbe: device " + cuda.describe());
            for (int s = 0; s < 3; s++) {
                run.step();
            }
            try (Backend.Timer t = cuda.timer()) {
                t.start();
                run.step();
                t.stop();
                t.elapsedMillis();
            }
            if (leak) {
                cuMemAlloc(new CUdeviceptr(), 4096);
                cuEventCreate(new CUevent(), 0);
            }
            cuda.synchronize();
        }
        System.out.println("LeakProbe: done");
    }
}
