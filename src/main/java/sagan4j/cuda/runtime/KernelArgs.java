package sagan4j.cuda.runtime;

import java.util.ArrayList;
import java.util.List;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Builds the parameter array of {@code cuLaunchKernel} in the order of the kernel's C signature:
 * each argument becomes a pointer to its host value, as the driver API expects.
 */
public final class KernelArgs {
    private final List<Pointer> args = new ArrayList<>();

    public static KernelArgs of() {
        return new KernelArgs();
    }

    /** A device pointer argument ({@code float*}, {@code const int*}, ...). */
    public KernelArgs ptr(CUdeviceptr p) {
        args.add(Pointer.to(p));
        return this;
    }

    /** A {@code float}. */
    public KernelArgs f32(float v) {
        args.add(Pointer.to(new float[] {v}));
        return this;
    }

    /** An {@code int}. */
    public KernelArgs i32(int v) {
        args.add(Pointer.to(new int[] {v}));
        return this;
    }

    /** A {@code long long}. */
    public KernelArgs i64(long v) {
        args.add(Pointer.to(new long[] {v}));
        return this;
    }

    public Pointer build() {
        return Pointer.to(args.toArray(new Pointer[0]));
    }
}
