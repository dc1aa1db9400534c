package sagan4j.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static sagan4j.cuda.runtime.KernelArgs.Kind.F32;
import static sagan4j.cuda.runtime.KernelArgs.Kind.I32;
import static sagan4j.cuda.runtime.KernelArgs.Kind.I64;
import static sagan4j.cuda.runtime.KernelArgs.Kind.PTR;

import java.util.List;

import org.junit.jupiter.api.Test;

import jcuda.driver.CUdeviceptr;

/**
 * The signatures kernels/build.sh packs beside the fatbins, against the C signatures read by hand from
 * kernels/*.cu, and the check every launch runs: the argument list a launch site passes is accepted, the same list
 * reordered fails with one line naming the kernel, the argument, the expected and the given kind. No GPU: a
 * {@link KernelArgs} is built on the host.
 */
class KernelSignaturesTest {
    private static final KernelSignatures SIGNATURES = KernelSignatures.packaged();
    private static final CUdeviceptr P = new CUdeviceptr();

    @Test
    void signaturesAreTheCOnes() {
        // optim.cu: adam_f32(float* p, const float* g, float* m, float* v, float lr, float beta1, float beta2,
        //                    float eps, float bc1, float bc2, idx_t n) — idx_t is common.cuh's typedef of long long
        assertEquals(List.of(PTR, PTR, PTR, PTR, F32, F32, F32, F32, F32, F32, I64), SIGNATURES.of("adam_f32"));
        // gan_loss.cu: (const float* logits, float* grad, float* sums, int loss, int generator, idx_t realRows,
        //               idx_t n, int batch, int accumulate); a __launch_bounds__ before the name
        assertEquals(List.of(PTR, PTR, PTR, I32, I32, I64, I64, I32, I32), SIGNATURES.of("gan_loss_f32"));
        // spectral_norm.cu: sn_grouped(const SnDesc* descs, int nw, int iters, float eps, long long total1,
        //                              long long total2, long long total3, long long totalF): a struct pointer is ptr
        assertEquals(List.of(PTR, I32, I32, F32, I64, I64, I64, I64), SIGNATURES.of("sn_grouped"));
        // attention.cu stamps the tiled kernels out of a macro: the expanded names are there with their parameters
        assertEquals(List.of(PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32, F32, I32, I64, I64),
                SIGNATURES.of("attention_backward_dkdv_d64_c64_f32"));
    }

    @Test
    void everyPackagedFatbinKernelHasASignature() {
        // 92 extern "C" kernels in kernels/*.cu today: the parser dropping any would leave launches unchecked
        assertEquals(true, SIGNATURES.kernels().size() >= 90, "kernels with a signature: " + SIGNATURES.kernels().size());
    }

    @Test
    void theLaunchSitesListPassesAndAReorderedOneFails() {
        // CudaOptim.doAdam's list
        KernelArgs right = KernelArgs.of().ptr(P).ptr(P).ptr(P).ptr(P).f32(2e-4f).f32(0f).f32(0.999f).f32(1e-8f)
                .f32(1f).f32(1f).i64(4096);
        SIGNATURES.check("adam_f32", right);
        // the element count moved before the hyper-parameters
        KernelArgs reordered = KernelArgs.of().ptr(P).ptr(P).ptr(P).ptr(P).i64(4096).f32(2e-4f).f32(0f).f32(0.999f)
                .f32(1e-8f).f32(1f).f32(1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SIGNATURES.check("adam_f32", reordered));
        assertEquals("kernel adam_f32 argument 4: expected f32, got i64 (signature (ptr, ptr, ptr, ptr, f32, f32, f32, "
                + "f32, f32, f32, i64), given (ptr, ptr, ptr, ptr, i64, f32, f32, f32, f32, f32, f32))", e.getMessage());
        // gan_loss_f32 with two ints of the same width swapped for a long and an int: the kinds, not only the sizes
        KernelArgs swapped = KernelArgs.of().ptr(P).ptr(P).ptr(P).i32(0).i32(1).i32(64).i64(128).i64(128).i32(0);
        e = assertThrows(IllegalArgumentException.class, () -> SIGNATURES.check("gan_loss_f32", swapped));
        assertEquals(true, e.getMessage().startsWith("kernel gan_loss_f32 argument 5: expected i64, got i32"), e.getMessage());
    }

    @Test
    void aMissingOrExtraArgumentFails() {
        KernelArgs shortList = KernelArgs.of().ptr(P).f32(1f);   // fill_f32(float* x, float v, long long n)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SIGNATURES.check("fill_f32", shortList));
        assertEquals(true, e.getMessage().startsWith("kernel fill_f32 argument 2: expected i64, got no more arguments"),
                e.getMessage());
        KernelArgs longList = KernelArgs.of().ptr(P).f32(1f).i64(8).i32(0);
        e = assertThrows(IllegalArgumentException.class, () -> SIGNATURES.check("fill_f32", longList));
        assertEquals(true, e.getMessage().startsWith("kernel fill_f32 argument 3: expected no more arguments, got i32"),
                e.getMessage());
        SIGNATURES.check("fill_f32", KernelArgs.of().ptr(P).f32(1f).i64(8));
    }

    @Test
    void anUnknownKernelOrKindFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SIGNATURES.check("no_such_kernel", KernelArgs.of()));
        assertEquals(true, e.getMessage().startsWith("kernel no_such_kernel has no signature"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KernelSignatures.parse("k ptr f64\n"));
        assertEquals("unknown kernel argument kind 'f64' (expected ptr, i32, i64 or f32)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KernelSignatures.parse("k ptr\nk i32\n"));
        assertEquals(true, e.getMessage().startsWith("kernel k has two signatures"), e.getMessage());
        assertEquals(List.of(), KernelSignatures.parse("# comment\nk\n").of("k"));
    }
}
