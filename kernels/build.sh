#!/usr/bin/env bash
# kernels/build.sh TARGET_DIR — compiles kernels/*.cu into fatbins the Java side loads with
# cuModuleLoadData (run by Maven in generate-resources with TARGET_DIR = ${project.build.directory}).
#
# Outputs
#   TARGET_DIR/classes/sagan4j/kernels/<name>.fatbin  one per kernels/<name>.cu: SASS for sm_75, sm_80,
#                                                     sm_86, sm_89, sm_90, sm_100, sm_120 + PTX compute_120
#   TARGET_DIR/classes/sagan4j/kernels/index.txt      the fatbin file names, one per line
#   TARGET_DIR/classes/sagan4j/kernels/signatures.txt each extern "C" kernel's parameter kinds, one kernel a
#                                                     line: "name ptr i32 i64 f32 ..." (KernelArgs' method
#                                                     names; any pointer is ptr), which KernelLibrary checks
#                                                     every launch's KernelArgs against
#   TARGET_DIR/kernels/<name>.signatures.txt          that file's lines, from `nvcc -E` of the .cu
#   TARGET_DIR/kernels/<name>.ptxas.txt               nvcc/ptxas -v output for that file (+ <name>.stamp)
#   TARGET_DIR/ptxas-report.txt                       summary table (regs, smem, stack, spills per kernel
#                                                     per arch) followed by every <name>.ptxas.txt
# The Java side (sagan4j.cuda.runtime.Fatbin.packagedImages, used by KernelLibrary) reads index.txt, loads every
# listed fatbin as its own module (cuModuleLoadData) and looks kernels up by name across them; this script fails if two files define the same
# extern "C" kernel name, so that lookup is never ambiguous.
#
# Layout: ONE FATBIN PER .cu (whole-program compilation, no -rdc), not one device-linked fatbin.
# Measured with nvcc 13.0.88 on 2026-11-27 (elementwise.cu + gemm.cu):
#   - `nvcc -dc -rdc=true` per file, then `nvcc -dlink -fatbin` of all objects, does give one fatbin with
#     SASS for all seven archs, but the device link drops the PTX: asking it for
#     -gencode arch=compute_120,code=[sm_120,compute_120] yields SASS entries only (nvlink links ELF, not
#     PTX). Without PTX nothing runs on a GPU of a later architecture (cc 13.x and up).
#   - the only device link that carries IR, `-dlto` (code=lto_XX), fails in this toolkit:
#     "nvlink fatal : elfLink linker library load error (target: sm_90)".
#   - -rdc=true also cost registers until launch bounds were set: sgemm_tiled with plain
#     __launch_bounds__(256) used 93-96 registers per arch with -rdc vs 74-80 without (sm_90: 96 vs 80);
#     with __launch_bounds__(256, 3), as gemm.cu now has, both give 78-80 and no spills.
#   - per-file fatbins keep PTX (compute_120, zstd-compressed by nvcc's default compress mode), need no
#     link step, and rebuild only the changed file: 1.5 s (elementwise.cu) and 2.6 s (gemm.cu) for
#     7 SASS + PTX with --threads 0 on 2 cores; a run that compiles nothing takes ~0.03 s. The cost is N cuModuleLoadData calls instead of one and
#     no cross-file device calls (shared device code lives in kernels/*.cuh and is inlined).
#
# Incremental: a .cu is recompiled only if its fatbin or ptxas report is missing, or older than the .cu,
# any kernels/*.cuh or this script, or if its stamp (nvcc path + version + flags) differs.
# nvcc: $NVCC (also -Dnvcc=... through Maven), else /usr/local/bin/nvcc, else nvcc on PATH, else
# /usr/local/cuda/bin/nvcc. A value starting with '${' is Maven's unresolved ${env.NVCC}: treated as unset.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: kernels/build.sh TARGET_DIR" >&2
    exit 2
fi
target_dir=$1
kdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$kdir/$(basename "${BASH_SOURCE[0]}")"

# ---- find nvcc ---------------------------------------------------------------------------------------
not_found="sagan4j: nvcc not found — install the CUDA toolkit or point the build at one with -Dnvcc=/path/to/nvcc or NVCC=/path/to/nvcc"
nvcc_env=${NVCC:-}
[[ "$nvcc_env" == '${'* ]] && nvcc_env=""
nvcc=""
if [[ -n "$nvcc_env" ]]; then
    # an explicit choice is honoured or reported, never silently replaced by another nvcc
    if ! nvcc=$(command -v -- "$nvcc_env") || [[ ! -x "$nvcc" ]]; then
        echo "sagan4j: nvcc not found at NVCC=$nvcc_env (set by -Dnvcc or the NVCC variable) — point it at an executable nvcc" >&2
        exit 1
    fi
elif [[ -x /usr/local/bin/nvcc ]]; then
    nvcc=/usr/local/bin/nvcc
elif nvcc=$(command -v nvcc); then
    :
elif [[ -x /usr/local/cuda/bin/nvcc ]]; then
    nvcc=/usr/local/cuda/bin/nvcc
else
    echo "$not_found" >&2
    exit 1
fi

# ---- flags -------------------------------------------------------------------------------------------
archs=(75 80 86 89 90 100)
gencode=()
for a in "${archs[@]}"; do gencode+=(-gencode "arch=compute_$a,code=sm_$a"); done
gencode+=(-gencode "arch=compute_120,code=[sm_120,compute_120]")
flags=(-O3 -std=c++17 --threads 0 -Xptxas -v "${gencode[@]}")

nvcc_version=$("$nvcc" --version | tail -n 2 | tr '\n' ' ')
stamp_text="nvcc=$nvcc
version=$nvcc_version
flags=${flags[*]}"

res_dir="$target_dir/classes/sagan4j/kernels"
work_dir="$target_dir/kernels"
mkdir -p "$res_dir" "$work_dir"

now_ns() { date +%s%N; }

shopt -s nullglob
sources=("$kdir"/*.cu)
headers=("$kdir"/*.cuh)
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "sagan4j: no kernels/*.cu found in $kdir" >&2
    exit 1
fi

# ---- compile each .cu that is out of date --------------------------------------------------------------
n_compiled=0
names=()
for src in "${sources[@]}"; do
    name=$(basename "$src" .cu)
    names+=("$name")
    out="$res_dir/$name.fatbin"
    report="$work_dir/$name.ptxas.txt"
    stamp="$work_dir/$name.stamp"

    stale=""
    if [[ ! -f "$out" || ! -f "$report" || ! -f "$stamp" ]]; then
        stale=missing
    elif [[ "$(cat "$stamp")" != "$stamp_text" ]]; then
        stale=flags
    else
        for dep in "$src" "${headers[@]}" "$self"; do
            if [[ ! "$out" -nt "$dep" ]]; then stale=$dep; break; fi
        done
    fi
    if [[ -z "$stale" ]]; then
        echo "$name.cu up to date"
        continue
    fi

    tmp_out="$work_dir/$name.fatbin.tmp"
    tmp_report="$work_dir/$name.ptxas.txt.tmp"
    rm -f "$stamp"
    t0=$(now_ns)
    if ! "$nvcc" "${flags[@]}" -fatbin -o "$tmp_out" "$src" >"$tmp_report" 2>&1; then
        cat "$tmp_report" >&2
        rm -f "$tmp_out"
        echo "sagan4j: nvcc failed on kernels/$name.cu ($nvcc)" >&2
        exit 1
    fi
    t1=$(now_ns)
    mv -f "$tmp_report" "$report"
    mv -f "$tmp_out" "$out"
    printf '%s\n' "$stamp_text" >"$stamp"
    n_compiled=$((n_compiled + 1))
    # compiler warnings are not resource info: show them
    grep -v -E '^ptxas info|^ {4}[0-9]+ bytes stack frame' "$report" >&2 || true
    awk -v n="$name" -v ns="$((t1 - t0))" 'BEGIN { printf "compiled %s.cu in %.1f s\n", n, ns / 1e9 }'
done

# fatbins whose .cu is gone must not be packaged
for f in "$res_dir"/*.fatbin; do
    base=$(basename "$f" .fatbin)
    keep=""
    for n in "${names[@]}"; do [[ "$n" == "$base" ]] && keep=1; done
    if [[ -z "$keep" ]]; then
        rm -f "$f" "$work_dir/$base.ptxas.txt" "$work_dir/$base.stamp"
        echo "removed $base.fatbin (no kernels/$base.cu)"
    fi
done

# ---- ptxas report: summary table + raw reports; spill warnings; duplicate kernel names ------------------
reports=()
for n in "${names[@]}"; do reports+=("$work_dir/$n.ptxas.txt"); done
summary=$(awk '
    function flush() {
        if (entry != "") printf "%-16s %-28s %-7s %5s %8s %6s %7s %7s\n", file, entry, arch, regs, smem, stack, st, ld
        entry = ""
    }
    FNR == 1 { flush(); file = FILENAME; sub(/.*\//, "", file); sub(/\.ptxas\.txt$/, ".cu", file) }
    /Compiling entry function/ {            # ptxas info : Compiling entry function QNAMEQ for Qsm_XXQ
        flush(); split($0, q, "\x27"); entry = q[2]; arch = q[4]
        regs = 0; smem = 0; stack = 0; st = 0; ld = 0
    }
    /bytes stack frame/ && entry != "" {    # the entry and any non-inlined callee: spills add up
        if ($1 + 0 > stack) stack = $1
        st += $5; ld += $9
    }
    /Used [0-9]+ registers/ && entry != "" {
        for (i = 1; i < NF; i++) {
            if ($(i + 1) ~ /^registers/) regs = $i
            if ($(i + 1) == "bytes" && $(i + 2) ~ /^smem/) smem = $i
        }
    }
    END { flush() }
' "${reports[@]}" | sort -k1,1 -k2,2 -k3,3V)
{
    echo "# sagan4j ptxas resource report (nvcc: $nvcc_version)"
    echo "# regs: registers per thread; smem: static shared bytes per block; stack, spill stores/loads: bytes"
    printf "%-16s %-28s %-7s %5s %8s %6s %7s %7s\n" file kernel arch regs smem stack spill_st spill_ld
    printf '%s\n' "$summary"
    for r in "${reports[@]}"; do
        echo
        echo "==== $(basename "$r" .ptxas.txt).cu ===="
        cat "$r"
    done
} >"$target_dir/ptxas-report.txt"

# one WARNING line per kernel that spills on any arch (the build goes on)
printf '%s\n' "$summary" | awk '
    $7 + 0 > 0 || $8 + 0 > 0 {
        key = $1 " " $2
        if (!(key in w)) order[++n] = key
        w[key] = w[key] sprintf(" %s (%s B stores, %s B loads)", $3, $7, $8)
    }
    END { for (i = 1; i <= n; i++) { split(order[i], k, " ")
        printf "WARNING: sagan4j kernel %s (%s) spills to local memory:%s\n", k[2], k[1], w[order[i]] > "/dev/stderr" } }'

# the Java loader looks kernels up by name across all fatbins: a name must be defined by one file only
dups=$(printf '%s\n' "$summary" | awk '{ print $2, $1 }' | sort -u | awk '{ c[$1]++; f[$1] = f[$1] " " $2 } END { for (k in c) if (c[k] > 1) print k ":" f[k] }')
if [[ -n "$dups" ]]; then
    echo "sagan4j: kernel names defined in more than one kernels/*.cu: $(echo $dups)" >&2
    exit 1
fi

# ---- signatures.txt: every kernel's parameter kinds --------------------------------------------------
# From the preprocessed source (`nvcc -E`, host pass: macros that stamp out kernels, such as attention's tiled
# variants, expanded; __global__ is __attribute__((global)) there). A signature ends at the '{' or ';' after
# its parameter list. Typedefs of the translation unit (idx_t) are followed to their base type. Regenerated
# when missing or older than the .cu, any .cuh or this script; its kernel names must be the ones ptxas compiled.
signatures_of() {   # signatures_of FILE.cu: "name kind..." per kernel, in source order
    "$nvcc" -E -std=c++17 -x cu "$1" | grep -v '^#' | tr '\n\t' '  ' | awk '
        BEGIN { RS = ";" }                                  # records end at ";" (a typedef, a declaration, a body statement)
        {
            rec = $0
            if (match(rec, /typedef [A-Za-z_ ]+ [A-Za-z_][A-Za-z_0-9]*$/)) {   # typedef long long idx_t
                n = split(substr(rec, RSTART + 8), w, " ")
                base = w[1]; for (i = 2; i < n; i++) base = base " " w[i]
                td[w[n]] = base
            }
            while ((at = index(rec, "extern \"C\" __attribute__((global)) void")) > 0) {
                rec = substr(rec, at + 39)
                sub(/^ +/, "", rec)
                while (rec ~ /^__attribute__/) {            # __launch_bounds__ became __attribute__((launch_bounds(..)))
                    depth = 0
                    for (i = 1; i <= length(rec); i++) {
                        c = substr(rec, i, 1)
                        if (c == "(") depth++
                        if (c == ")" && --depth == 0) break
                    }
                    rec = substr(rec, i + 1); sub(/^ +/, "", rec)
                }
                if (!match(rec, /^[A-Za-z_][A-Za-z_0-9]* *\(/)) { print "?cannot read a kernel name near: " substr(rec, 1, 80); exit 1 }
                name = substr(rec, 1, RLENGTH - 1); sub(/ +$/, "", name)
                close_at = index(rec, ")")
                params = substr(rec, RLENGTH + 1, close_at - RLENGTH - 1)
                rec = substr(rec, close_at + 1)
                line = name
                np = split(params, p, ",")
                for (i = 1; i <= np; i++) {
                    t = p[i]
                    gsub(/(^| )(const|volatile|__restrict__|__restrict)( |$)/, " ", t)
                    gsub(/ +/, " ", t); sub(/^ /, "", t); sub(/ $/, "", t)
                    if (t == "" && np == 1) { np = 0; break }        # f()
                    if (index(t, "*") > 0) { line = line " ptr"; continue }
                    sub(/ [A-Za-z_][A-Za-z_0-9]*$/, "", t)             # the parameter name
                    for (guard = 0; (t in td) && guard < 16; guard++) t = td[t]
                    if (t == "int" || t == "unsigned" || t == "unsigned int" || t == "signed int") kind = "i32"
                    else if (t == "long long" || t == "long long int" || t == "unsigned long long" || t == "long" || t == "unsigned long") kind = "i64"
                    else if (t == "float") kind = "f32"
                    else { print "?kernel " name ": parameter " i " has a type KernelArgs cannot pass: " p[i]; exit 1 }
                    line = line " " kind
                }
                print line
            }
        }'
}
for n in "${names[@]}"; do
    src="$kdir/$n.cu"
    sig="$work_dir/$n.signatures.txt"
    fresh=1
    [[ -f "$sig" ]] || fresh=""
    for dep in "$src" "${headers[@]}" "$self"; do [[ -n "$fresh" && "$sig" -nt "$dep" ]] || fresh=""; done
    [[ -n "$fresh" ]] && continue
    if ! lines=$(signatures_of "$src") || grep -q '^?' <<<"$lines"; then
        echo "sagan4j: cannot read the kernel signatures of kernels/$n.cu: $(grep '^?' <<<"$lines" | cut -c2-)" >&2
        exit 1
    fi
    parsed=$(awk '{ print $1 }' <<<"$lines" | sort)
    compiled=$(printf '%s\n' "$summary" | awk -v f="$n.cu" '$1 == f { print $2 }' | sort -u)
    if [[ "$parsed" != "$compiled" ]]; then
        echo "sagan4j: the kernels read from kernels/$n.cu's signatures ($(echo $parsed)) are not the ones ptxas compiled ($(echo $compiled))" >&2
        exit 1
    fi
    printf '%s\n' "$lines" >"$sig"
done
signatures_text=$(echo "# extern \"C\" kernel, then its parameter kinds (KernelArgs: ptr, i32, i64, f32); written by kernels/build.sh"
    for n in "${names[@]}"; do cat "$work_dir/$n.signatures.txt"; done)
if [[ ! -f "$res_dir/signatures.txt" || "$(cat "$res_dir/signatures.txt")" != "$signatures_text" ]]; then
    printf '%s\n' "$signatures_text" >"$res_dir/signatures.txt"
fi

# ---- index.txt (rewritten only when it changes) -------------------------------------------------------
index_text=$(for n in "${names[@]}"; do echo "$n.fatbin"; done)
if [[ ! -f "$res_dir/index.txt" || "$(cat "$res_dir/index.txt")" != "$index_text" ]]; then
    printf '%s\n' "$index_text" >"$res_dir/index.txt"
fi

echo "sagan4j kernels: ${#names[@]} files, $n_compiled compiled, $(( ${#names[@]} - n_compiled )) up to date -> $res_dir"
