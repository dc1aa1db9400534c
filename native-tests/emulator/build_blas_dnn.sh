#!/usr/bin/env bash
# Builds the CPU fakes of cuBLAS 13 and cuDNN 9 (fake_cublas.c, fake_cudnn.c) for the native-test emulator:
#   build_blas_dnn.sh DIR          -> DIR/libcublas.so.13, DIR/libcublasLt.so.13, DIR/libcudnn.so.9
#   build_blas_dnn.sh --test DIR   -> the same, then builds and runs selftest_blas_dnn.c against them
# Point sagan4j at them with SAGAN4J_CUDA_LIBS=DIR (searched first by sagan4j.cuda.natives.LibrarySearch).
# The sonames and version nodes are those JCuda's JNI libraries need (see cublas.map, cudnn.map).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TEST=0
if [ "${1:-}" = "--test" ]; then TEST=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--test] DIR" >&2; exit 2; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
CC=${CC:-gcc}
CFLAGS=(-std=c11 -O2 -Wall -Wextra -fPIC)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# -O2 vectorizes only loops with known trip counts; the convolution's row loops run ~3x faster with the
# dynamic cost model (a 4x256x32x32 3x3 layer: 1.5 s -> 0.5 s per direction). Used where the compiler has it.
if "$CC" -fvect-cost-model=dynamic -x c -c -o "$TMP/probe.o" /dev/null 2>/dev/null; then
    CFLAGS+=(-fvect-cost-model=dynamic)
fi

# libcublasLt.so.13: nothing of it is used, but sagan4j's loader prefers a cuBLAS major that has a cuBLASLt
# beside it and preloads it first, and the real libcublas.so.13 needs it; so the fake cuBLAS needs it too.
cat >"$TMP/fake_cublasLt.c" <<'C'
/* Trivial CPU stand-in for libcublasLt.so.13 (see fake_cublas.c): version queries only. */
#include <stddef.h>
size_t cublasLtGetVersion(void) { return 130000; }
size_t cublasLtGetCudartVersion(void) { return 13000; }
int cublasLtGetProperty(int type, int *value) {
    static const int version[3] = {13, 0, 0};
    if (value == NULL || type < 0 || type > 2) return 7; /* CUBLAS_STATUS_INVALID_VALUE */
    *value = version[type];
    return 0;
}
C
echo 'libcublasLt.so.13 { global: *; };' >"$TMP/cublasLt.map"

"$CC" "${CFLAGS[@]}" -shared -Wl,-soname,libcublasLt.so.13 -Wl,--version-script="$TMP/cublasLt.map" \
    -o "$OUT/libcublasLt.so.13" "$TMP/fake_cublasLt.c"
"$CC" "${CFLAGS[@]}" -shared -Wl,-soname,libcublas.so.13 -Wl,--version-script="$HERE/cublas.map" \
    -o "$OUT/libcublas.so.13" "$HERE/fake_cublas.c" \
    -L"$OUT" -Wl,--no-as-needed -l:libcublasLt.so.13 -Wl,--as-needed -Wl,-rpath,'$ORIGIN'
"$CC" "${CFLAGS[@]}" -shared -Wl,-soname,libcudnn.so.9 -Wl,--version-script="$HERE/cudnn.map" \
    -o "$OUT/libcudnn.so.9" "$HERE/fake_cudnn.c"
echo "built $OUT/libcublas.so.13 $OUT/libcublasLt.so.13 $OUT/libcudnn.so.9"

if [ "$TEST" = 1 ]; then
    if command -v readelf >/dev/null; then
        for pair in libcublas.so.13:libcublas.so.13 libcublasLt.so.13:libcublasLt.so.13 libcudnn.so.9:libcudnn.so.9; do
            lib=${pair%%:*} node=${pair#*:}
            readelf -V "$OUT/$lib" | grep -q "Name: $node\$" \
                || { echo "FAIL: $lib defines no version node $node" >&2; exit 1; }
        done
        echo "version nodes: libcublas.so.13, libcublasLt.so.13, libcudnn.so.9 defined"
    fi
    "$CC" -std=c11 -O2 -Wall -Wextra -o "$TMP/selftest_blas_dnn" "$HERE/selftest_blas_dnn.c" \
        -L"$OUT" -l:libcublas.so.13 -l:libcudnn.so.9 -lm -Wl,-rpath,"$OUT"
    "$TMP/selftest_blas_dnn"
fi
