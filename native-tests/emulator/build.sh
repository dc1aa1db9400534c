#!/usr/bin/env bash
# native-tests/emulator/build.sh OUT_DIR — builds the CPU emulator of the CUDA stack into OUT_DIR:
#   libcuda.so.1      the driver API subset sagan4j uses (fake_driver.cpp, emu_runtime.cpp) with every
#                     extern "C" kernel of kernels/*.cu compiled for the host by g++
#   libcublas.so.13   GEMM on the host (fake_cublas.c), libcudnn.so.9 convolutions on the host (fake_cudnn.c)
# Needs g++, python3 and the CUDA headers (cuda.h, found beside nvcc) — no GPU. Used by
# native-tests/emulate.sh; see native-tests/README.md for what the emulator checks and what it cannot.
set -euo pipefail
out=${1:?usage: native-tests/emulator/build.sh OUT_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernels=$(cd "$here/../../kernels" && pwd)
mkdir -p "$out/gen"
out=$(cd "$out" && pwd)

nvcc=${NVCC:-}; [[ "$nvcc" == '${'* ]] && nvcc=""
nvcc=${nvcc:-$(command -v /usr/local/bin/nvcc || command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
cuda_inc=""
for d in "$(dirname "$(readlink -f "$nvcc")")/../include" /usr/local/cuda/include; do
    [[ -f "$d/cuda.h" ]] && { cuda_inc=$(cd "$d" && pwd); break; }
done
[[ -n "$cuda_inc" ]] || { echo "sagan4j emulator: cuda.h not found beside nvcc ($nvcc) or in /usr/local/cuda/include" >&2; exit 1; }

CXX=${CXX:-g++}
FLAGS=(-std=c++17 -O2 -g -fPIC -fno-strict-aliasing -Wall -Wno-unused-function -Wno-unused-variable -Wno-unknown-pragmas -Wno-sign-compare -pthread)
objs=()
for cu in "$kernels"/*.cu; do
    stem=$(basename "$cu" .cu)
    "$CXX" -std=c++17 -E -P -DEMU_SCAN -x c++ -I"$here/include" -I"$kernels" "$cu" -o "$out/gen/$stem.scan.ii"
    python3 "$here/gen_registry.py" "$out/gen/$stem.scan.ii" "$cu" "$out/gen/$stem.cu" "$out/gen/${stem}_reg.cpp"
    "$CXX" "${FLAGS[@]}" -I"$here/include" -I"$here" -I"$kernels" -c "$out/gen/${stem}_reg.cpp" -o "$out/gen/$stem.o" &
    objs+=("$out/gen/$stem.o")
done
"$CXX" "${FLAGS[@]}" -I"$here" -I"$cuda_inc" -c "$here/fake_driver.cpp" -o "$out/gen/fake_driver.o" &
"$CXX" "${FLAGS[@]}" -I"$here" -c "$here/emu_runtime.cpp" -o "$out/gen/emu_runtime.o" &
wait_all() { local rc=0; for j in $(jobs -p); do wait "$j" || rc=1; done; return $rc; }
wait_all
"$CXX" -shared -pthread -o "$out/libcuda.so.1" -Wl,-soname,libcuda.so.1 -Wl,--no-undefined \
    "$out/gen/fake_driver.o" "$out/gen/emu_runtime.o" "${objs[@]}"
[[ -f "$here/build_blas_dnn.sh" ]] && bash "$here/build_blas_dnn.sh" "$out"
echo "sagan4j emulator: built $out/libcuda.so.1 ($(ls "$out"/*.so.* | wc -l) libraries)"
