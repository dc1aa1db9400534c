package sagan4j.cuda.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what sagan4j asks of the GPU, process-wide (the driver is process-wide too): kernel launches,
 * library calls (cuBLAS GEMMs, cuDNN convolutions), host↔device and device↔device copies, stream
 * synchronisations, device allocations and CUDA graph launches (work captured into a graph counts when it is
 * captured, a replay counts as one graph launch). At SAGAN-32 sizes a train step is hundreds of small kernels whose
 * launch gaps cost more than their arithmetic, so these counts, not only times, say what a fusion bought. They
 * are exact and machine-independent (the same on the emulator as on a GPU), which is what lets a test hold a
 * step's counts to a ceiling. Take a {@link #snapshot()} before and after the work and subtract.
 */
public final class DeviceCounters {
    private static final LongAdder KERNELS = new LongAdder();
    private static final LongAdder LIBRARY_CALLS = new LongAdder();
    private static final LongAdder COPIES_TO_DEVICE = new LongAdder();
    private static final LongAdder COPIES_TO_HOST = new LongAdder();
    private static final LongAdder COPIES_ON_DEVICE = new LongAdder();
    private static final LongAdder SYNCS = new LongAdder();
    private static final LongAdder ALLOCATIONS = new LongAdder();
    private static final LongAdder GRAPH_LAUNCHES = new LongAdder();
    /** Kernel launches by kernel name: which launches a fusion should go after. */
    private static final Map<String, LongAdder> BY_KERNEL = new ConcurrentHashMap<>();

    private DeviceCounters() {
    }

    /** The counts at one moment; {@link #minus} gives what happened in between two. */
    public record Snapshot(long kernels, long libraryCalls, long copiesToDevice, long copiesToHost, long copiesOnDevice,
                           long syncs, long allocations, long graphLaunches) {
        public Snapshot minus(Snapshot before) {
            return new Snapshot(kernels - before.kernels, libraryCalls - before.libraryCalls,
                    copiesToDevice - before.copiesToDevice, copiesToHost - before.copiesToHost,
                    copiesOnDevice - before.copiesOnDevice, syncs - before.syncs, allocations - before.allocations,
                    graphLaunches - before.graphLaunches);
        }

        /** Kernels, library calls and graph launches: what reaches the GPU's queue as separate work. */
        public long launches() {
            return kernels + libraryCalls + graphLaunches;
        }

        @Override
        public String toString() {
            return kernels + " kernels, " + libraryCalls + " library calls, " + copiesToDevice + " H→D / " + copiesToHost
                    + " D→H / " + copiesOnDevice + " D→D copies, " + syncs + " syncs, " + allocations + " cuMemAlloc"
                    + (graphLaunches > 0 ? ", " + graphLaunches + " graph launches" : "");
        }
    }

    public static Snapshot snapshot() {
        return new Snapshot(KERNELS.sum(), LIBRARY_CALLS.sum(), COPIES_TO_DEVICE.sum(), COPIES_TO_HOST.sum(),
                COPIES_ON_DEVICE.sum(), SYNCS.sum(), ALLOCATIONS.sum(), GRAPH_LAUNCHES.sum());
    }

    public static void kernel(String name) {
        KERNELS.increment();
        BY_KERNEL.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    /** Launches so far per kernel name (sorted by name); subtract two to see one step's mix. */
    public static Map<String, Long> kernelsByName() {
        Map<String, Long> out = new TreeMap<>();
        BY_KERNEL.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** A cuBLAS or cuDNN call that queues GPU work (not descriptor or handle calls). */
    public static void libraryCall() {
        LIBRARY_CALLS.increment();
    }

    public static void copyToDevice() {
        COPIES_TO_DEVICE.increment();
    }

    public static void copyToHost() {
        COPIES_TO_HOST.increment();
    }

    public static void copyOnDevice() {
        COPIES_ON_DEVICE.increment();
    }

    public static void sync() {
        SYNCS.increment();
    }

    public static void allocation() {
        ALLOCATIONS.increment();
    }

    /** One replay of a captured graph (its kernels are not counted one by one: that is what the graph saves). */
    public static void graphLaunch() {
        GRAPH_LAUNCHES.increment();
    }
}
