#!/usr/bin/env bash
# native-tests/emulator/build.sh OUT_DIR [--selftest] — builds the CPU emulator of the CUDA stack into OUT_DIR:
#   libcuda.so.1      the driver API subset sagan4j uses (fake_driver.cpp, emu_runtime.cpp) with every
#                     extern "C" kernel of kernels/*.cu compiled for the host by g++
#   libcublas.so.13   GEMM on the host (fake_cublas.c), libcudnn.so.9 convolutions on the host (fake_cudnn.c)
# --selftest also builds and runs the emulator's own checks (selftest/, in both thread orders) and the
# cuBLAS/cuDNN stand-ins' self-test. Needs g++, python3 and the CUDA headers (cuda.h, found beside nvcc)
# — no GPU. Used by native-tests/emulate.sh; native-tests/README.md says what it checks and what it cannot.
set -euo pipefail
out=${1:?usage: native-tests/emulator/build.sh OUT_DIR [--selftest]}
selftest=${2:-}
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
FLAGS=(-std=c++17 -O2 -g -fPIC -fno-strict-aliasing -Wall -Wno-unused-function -Wno-unused-variable -Wno-unknown-pragmas
       -Wno-sign-compare -pthread)

# compile_cu FILE.cu: lists its kernels, rewrites dynamic shared memory, compiles FILE + its registration
# into $out/gen/<stem>.o (in the background).
compile_cu() {
    local cu=$1 stem
    stem=$(basename "$cu" .cu)
    "$CXX" -std=c++17 -E -P -DEMU_SCAN -x c++ -I"$here/include" -I"$kernels" "$cu" -o "$out/gen/$stem.scan.ii"
    python3 "$here/gen_registry.py" "$out/gen/$stem.scan.ii" "$cu" "$out/gen/$stem.cu" "$out/gen/${stem}_reg.cpp"
    "$CXX" "${FLAGS[@]}" -I"$here/include" -I"$here" -I"$kernels" -c "$out/gen/${stem}_reg.cpp" -o "$out/gen/$stem.o" &
}
wait_all() { local rc=0 j; for j in $(jobs -p); do wait "$j" || rc=1; done; return $rc; }

objs=()
for cu in "$kernels"/*.cu; do
    compile_cu "$cu"
    objs+=("$out/gen/$(basename "$cu" .cu).o")
done
"$CXX" "${FLAGS[@]}" -I"$here" -I"$cuda_inc" -c "$here/fake_driver.cpp" -o "$out/gen/fake_driver.o" &
"$CXX" "${FLAGS[@]}" -I"$here" -c "$here/emu_runtime.cpp" -o "$out/gen/emu_runtime.o" &
wait_all
"$CXX" -shared -pthread -o "$out/libcuda.so.1" -Wl,-soname,libcuda.so.1 -Wl,--no-undefined \
    "$out/gen/fake_driver.o" "$out/gen/emu_runtime.o" "${objs[@]}"
bash "$here/build_blas_dnn.sh" ${selftest:+--test} "$out"
echo "sagan4j emulator: built $out/libcuda.so.1, libcublas.so.13, libcudnn.so.9"

if [[ "$selftest" == --selftest ]]; then
    compile_cu "$here/selftest/emu_selftest_kernels.cu"
    wait_all
    "$CXX" "${FLAGS[@]}" -I"$cuda_inc" -o "$out/emu_selftest" "$here/selftest/emu_selftest.cpp" \
        "$out/gen/fake_driver.o" "$out/gen/emu_runtime.o" "$out/gen/emu_selftest_kernels.o"
    "$out/emu_selftest" 2>/dev/null
    SAGAN4J_EMU_ORDER=reverse "$out/emu_selftest" 2>/dev/null
fi
