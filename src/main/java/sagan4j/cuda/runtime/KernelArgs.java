package sagan4j.cuda.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Builds the parameter array of {@code cuLaunchKernel} in the order of the kernel's C signature:
 * each argument becomes a pointer to its host value, as the driver API expects. Each argument's
 * {@link Kind} is kept, so that {@link KernelLibrary} can check the list against the kernel's signature
 * ({@link KernelSignatures}) before the launch: a reordered list fails with the kernel, the argument and both
 * kinds instead of reaching the GPU.
 */
public final class KernelArgs {
    /** What one argument is; the names are those of the builder methods and of {@code signatures.txt}. */
    public enum Kind {
        /** Any device pointer ({@code float*}, {@code const int*}, a descriptor array, ...). */
        PTR("ptr"),
        /** {@code int} (4 bytes). */
        I32("i32"),
        /** {@code long long} (8 bytes). */
        I64("i64"),
        /** {@code float} (4 bytes). */
        F32("f32");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        /** The kind a word of {@code signatures.txt} names; fails with the word otherwise. */
        public static Kind of(String word) {
            for (Kind k : values()) {
                if (k.word.equals(word)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown kernel argument kind '" + word + "' (expected ptr, i32, i64 or f32)");
        }

        @Override
        public String toString() {
            return word;
        }
    }

    private final List<Pointer> args = new ArrayList<>();
    private final List<Kind> kinds = new ArrayList<>();

    public static KernelArgs of() {
        return new KernelArgs();
    }

    private KernelArgs add(Kind kind, Pointer value) {
        args.add(value);
        kinds.add(kind);
        return this;
    }

    /** A device pointer argument ({@code float*}, {@code const int*}, ...). */
    public KernelArgs ptr(CUdeviceptr p) {
        return add(Kind.PTR, Pointer.to(p));
    }

    /** A {@code float}. */
    public KernelArgs f32(float v) {
        return add(Kind.F32, Pointer.to(new float[] {v}));
    }

    /** An {@code int}. */
    public KernelArgs i32(int v) {
        return add(Kind.I32, Pointer.to(new int[] {v}));
    }

    /** A {@code long long}. */
    public KernelArgs i64(long v) {
        return add(Kind.I64, Pointer.to(new long[] {v}));
    }

    /** The kinds added so far, in order. */
    public List<Kind> kinds() {
        return Collections.unmodifiableList(kinds);
    }

    /** The {@code kernelParams} array of cuLaunchKernel. */
    public Pointer build() {
        return Pointer.to(args.toArray(new Pointer[0]));
    }
}
