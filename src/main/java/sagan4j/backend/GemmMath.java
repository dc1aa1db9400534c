package sagan4j.backend;

/**
 * Arithmetic a backend may use for GEMM. {@link #FP32} is exact float32 products with float32 (or
 * better) accumulation; {@link #TF32} lets tensor cores round the inputs to 10-bit mantissas (about
 * 1e-3 relative error), faster on Ampere and newer. The CPU reference always computes in double and
 * ignores the setting.
 */
public enum GemmMath {
    FP32, TF32
}
