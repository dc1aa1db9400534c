/**
 * Makes JCuda's JNI natives load on hosts whose CUDA libraries are not where JCuda 12.6 expects them: only
 * CUDA 13 installed (cuBLAS 13), or cuBLAS/cuDNN inside Python wheels ({@code site-packages/nvidia/.../lib})
 * with no {@code LD_LIBRARY_PATH}.
 *
 * <p>Call {@link sagan4j.cuda.natives.CudaNatives#load()} before anything touches {@code JCudaDriver},
 * {@code JCublas2} or {@code JCudnn}; print its {@link sagan4j.cuda.natives.NativeReport} for {@code doctor}.
 * {@link sagan4j.cuda.natives.ElfFile} and {@link sagan4j.cuda.natives.ElfRelinker} read and patch ELF64
 * shared objects without dependencies; {@link sagan4j.cuda.natives.LibrarySearch} finds the libraries.
 */
package sagan4j.cuda.natives;
