package sagan4j.cuda.determinism;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.cuda.natives.ChildProcess;
import sagan4j.testing.ChildJvm;

/**
 * The three headline kernels give the same bits whatever order their threads run in: every version of spectral
 * norm (one weight and a group; power iteration and backward), attention (forward and backward) and conditional
 * batch norm (training forward with running statistics, backward) on fixed inputs, in a child JVM under the
 * emulator's forward thread order and in another under the reverse order (SAGAN4J_EMU_ORDER: the threads
 * between two barriers run first-to-last or last-to-first, which is what changes when a GPU schedules warps
 * differently). Every output's SHA-256 must agree between the two, with this process's, and with a second run in
 * this process (which the per-family VsCpu tests check too). A reduction whose order followed the scheduling — a float atomic,
 * a race on shared memory — would change some bits between the orders. On a GPU (not the emulator) both children
 * run the same hardware order, so the comparison is run to run.
 */
@Tag("native")
class ThreadOrderDeterminismNativeTest {
    private static Map<String, String> child(String order) throws Exception {
        ChildProcess.Result r = ChildJvm.run(KernelDigest.class, List.of(), Map.of("SAGAN4J_EMU_ORDER", order));
        assertEquals(0, r.exit(), r.output());
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : r.output().lines().toList()) {
            int eq = line.lastIndexOf('=');
            if (eq > 0 && !line.startsWith("device=") && line.matches("^(spectral-norm|attention|cond-batchnorm) .*=[0-9a-f]{64}$")) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    @Test
    void headlineKernelsGiveTheSameBitsInBothThreadOrders() throws Exception {
        Map<String, String> here;
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults())) {
            here = KernelDigest.run(cuda);
            assertEquals(here, KernelDigest.run(cuda), "a second run in the same process");
        }
        Map<String, String> forward = child("forward"), reverse = child("reverse");
        assertEquals(here, forward, "this process vs a child in the forward order");
        assertTrue(forward.size() >= 3 * 5, "every output digested: " + forward.keySet());
        assertTrue(forward.keySet().stream().anyMatch(k -> k.startsWith("attention") && k.endsWith("grad_q"))
                && forward.keySet().stream().anyMatch(k -> k.startsWith("cond-batchnorm") && k.endsWith("grad_gamma"))
                && forward.keySet().stream().anyMatch(k -> k.startsWith("spectral-norm") && k.endsWith("grad_w")), forward.keySet().toString());
        assertEquals(forward, reverse, "forward vs reverse emulated thread order");
        System.out.println("ThreadOrderDeterminismNativeTest: " + forward.size() + " outputs bitwise equal in both thread orders: "
                + forward.keySet());
    }
}
