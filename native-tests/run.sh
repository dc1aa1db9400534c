#!/usr/bin/env bash
# The native-test runner, for a GPU machine with no network, no Maven and perhaps no Java. Run it from
# the bundle that native-tests/pack.sh made:   bash target/native-bundle/run.sh [LOG_DIR]
# Steps, in order of what matters most, each with a timeout, within one budget (SAGAN4J_RUNNER_BUDGET_S,
# default 360 s: the 6 minutes issue 10 gives the runner on an H100; estimates for an H100 in brackets):
#   doctor [10 s]; the native tests but the 'large' ones [60-90 s]; PyTorch's peers (bench/peers/torch_peers.py, when
#   `python3 -c 'import torch'` works) [45 s] and sagan4j's side of each comparison (bench step per preset,
#   the kernel benches at the peers' shapes) [35 s], then the ratios; compute-sanitizer memcheck on the
#   kernels' and layers' tests [40 s], racecheck, synccheck and initcheck on the three headline kernels'
#   tests [20-35 s each]; `sagan4j bench --all` [20 s].
# A step that no longer fits in what is left of the budget is skipped with the reason; one that runs past
# its timeout is stopped (exit 124). It keeps going past a failure and prints a summary table last, with the
# side-by-side ratios; the log of each step is in LOG_DIR (default: logs/ beside this script), and when
# there are more than the device tool's 8 files, all but the summary, the ratios and the JSON results are
# packed into logs.tar.gz. Exit status: 0 when every step that ran passed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LOGS=${1:-$HERE/logs}
mkdir -p "$LOGS"
JAVA="$HERE/jre/bin/java"
[ -x "$JAVA" ] || JAVA=java
JAR="$HERE/sagan4j.jar"
CP="$JAR:$HERE/test-classes"
CONSOLE="$HERE/junit-platform-console-standalone.jar"
PEERS="$HERE/peers"
PY=${PYTHON:-python3}
BUDGET=${SAGAN4J_RUNNER_BUDGET_S:-360}
# A dry run without a GPU: SAGAN4J_REQUIRE_GPU=0 SAGAN4J_BENCH_DEVICE=cpu SAGAN4J_PEER_ARGS='--device cpu --small --presets tiny'
DEV=${SAGAN4J_BENCH_DEVICE:-cuda}
read -r -a PEER_ARGS <<<"${SAGAN4J_PEER_ARGS:---device cuda}"
RESERVE=10   # seconds kept back for the summary
export SAGAN4J_REQUIRE_GPU=${SAGAN4J_REQUIRE_GPU:-1}   # a missing GPU or library fails the native tests instead of skipping them

declare -a NAMES RESULTS SECONDS_TAKEN NOTES
failed=0

left() { echo $((BUDGET - RESERVE - SECONDS)); }

record() {   # record NAME RESULT SECONDS NOTE
    NAMES+=("$1"); RESULTS+=("$2"); SECONDS_TAKEN+=("$3"); NOTES+=("$4")
}

skip() {     # skip NAME WHY
    echo "[$1] skipped: $2"
    record "$1" skipped 0 "$2"
}

# step NAME TIMEOUT_S COMMAND... : runs COMMAND with its output in LOGS/NAME.log, stopped after TIMEOUT_S
# or at the end of the budget, whichever comes first; skipped when under 15 s of the budget are left.
step() {
    local name=$1 limit=$2; shift 2
    local avail; avail=$(left)
    if [ "$avail" -lt 15 ]; then
        skip "$name" "${avail} s left of the ${BUDGET} s budget"
        return
    fi
    [ "$limit" -gt "$avail" ] && limit=$avail
    local t0=$SECONDS
    echo "== $name (timeout ${limit} s): $*" >"$LOGS/$name.log"
    # through bash -c so that COMMAND may be one of the functions below (exported); timeout signals the whole group
    timeout --kill-after=5 "$limit" bash -c '"$@"' bash "$@" >>"$LOGS/$name.log" 2>&1
    local rc=$?
    local result=ok
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then result="TIMEOUT(${limit}s)"; failed=1
    elif [ $rc -ne 0 ]; then result="FAIL($rc)"; failed=1; fi
    record "$name" "$result" $((SECONDS - t0)) "$(note_for "$name")"
    echo "[$name] exit $rc after $((SECONDS - t0)) s (log: $LOGS/$name.log)"
}

# The one line of a step's log worth putting in the summary.
note_for() {
    local log="$LOGS/$1.log"
    case $1 in
        doctor) grep -E '^(GEMM|conv) ' "$log" | tr '\n' ';' | cut -c1-150 ;;
        native-tests|memcheck|racecheck|synccheck|initcheck)
            local counts
            counts=$(grep -Eo '[0-9]+ tests (successful|failed|aborted|skipped)' "$log" | tr '\n' ',' | sed 's/,$//; s/,/, /g')
            echo "$counts$(grep -Eo 'ERROR SUMMARY: [0-9]+ errors?' "$log" | tail -1 | sed "s/^/; $1 /")" ;;
        *) tail -1 "$log" | cut -c1-150 ;;
    esac
}

junit() {
    "$JAVA" -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=tree --class-path "$CP" \
        --include-tag native "$@"
}

# sanitize TOOL TESTS... : the native tests TESTS (JUnit selectors) under compute-sanitizer --tool TOOL.
sanitize() {
    local tool=$1; shift
    compute-sanitizer --tool "$tool" --target-processes all --error-exitcode 97 \
        "$JAVA" -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=tree --class-path "$CP" \
        --include-tag native --exclude-tag large "$@"
}

# sagan4j's side of every peer comparison, at the shapes torch_peers.py lists (one JVM per bench): the
# kernels first, then the steps.
sagan4j_side() {
    local kind spec preset
    local -a PEER_ARGS   # arrays do not travel into the exported function's shell: rebuilt from the variable
    read -r -a PEER_ARGS <<<"${SAGAN4J_PEER_ARGS:---device cuda}"
    : >"$LOGS/sagan4j-kernels.json"
    for kind in attention cbn; do
        local args=()
        while read -r preset spec; do args+=(--shape "$spec"); done < <("$PY" "$PEERS/torch_peers.py" "${PEER_ARGS[@]}" --list-shapes "$kind")
        local cases=(cond-batchnorm)
        [ "$kind" = attention ] && cases=(attention attention-backward)
        for c in "${cases[@]}"; do
            "$JAVA" -jar "$JAR" bench "$c" --device "$DEV" --warmup 5 --iters 20 "${args[@]}" --json "$LOGS/k.json" || return
            cat "$LOGS/k.json" >>"$LOGS/sagan4j-kernels.json"
        done
    done
    local sn=()
    while read -r preset spec; do sn+=(--shape "model=$preset,iters=1"); done < <("$PY" "$PEERS/torch_peers.py" "${PEER_ARGS[@]}" --list-shapes step)
    "$JAVA" -jar "$JAR" bench spectral-norm --device "$DEV" --warmup 5 --iters 20 "${sn[@]}" --json "$LOGS/k.json" || return
    cat "$LOGS/k.json" >>"$LOGS/sagan4j-kernels.json"
    rm -f "$LOGS/k.json"
    # the steps last, biggan128's (its orthogonal initialisation runs on the host) at the very end
    while read -r preset spec; do
        "$JAVA" -jar "$JAR" bench step --device "$DEV" --preset "$preset" --batch "${spec##*batch=}" --warmup 3 --steps 10 \
            --json "$LOGS/sagan4j-step-$preset.json" </dev/null || return
    done < <("$PY" "$PEERS/torch_peers.py" "${PEER_ARGS[@]}" --list-shapes step)
}

export JAVA JAR CP CONSOLE PEERS PY LOGS DEV SAGAN4J_PEER_ARGS
export -f junit sanitize sagan4j_side

echo "sagan4j native-test runner on $(hostname) at $(date -u +%FT%TZ); budget ${BUDGET} s"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

step doctor 30 "$JAVA" -jar "$JAR" doctor
# The 'large' tests (full-size models, 1024^3 GEMMs) spend minutes in their CPU references: out of the budget
# unless SAGAN4J_RUNNER_LARGE=1 (then give the runner a larger SAGAN4J_RUNNER_BUDGET_S as well).
if [ "${SAGAN4J_RUNNER_LARGE:-0}" = 1 ]; then
    step native-tests 150 junit --scan-class-path
else
    echo "[native-tests] the 'large' tests are left out (minutes of CPU reference; SAGAN4J_RUNNER_LARGE=1 runs them)"
    step native-tests 150 junit --scan-class-path --exclude-tag large
fi

if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
    skip peers "$PY cannot import torch"
elif [ ! -f "$PEERS/torch_peers.py" ]; then
    skip peers "the bundle has no peers/ folder"
else
    step peers 90 "$PY" "$PEERS/torch_peers.py" "${PEER_ARGS[@]}" --json "$LOGS/peers.json"
    step sagan4j-side 75 sagan4j_side
    if [ -s "$LOGS/peers.json" ]; then
        shopt -s nullglob
        "$PY" "$PEERS/ratios.py" "$LOGS/peers.json" "$LOGS"/sagan4j-step-*.json "$LOGS/sagan4j-kernels.json" \
            >"$LOGS/ratios.txt" 2>&1 || echo "[ratios] failed: see $LOGS/ratios.txt"
        shopt -u nullglob
    fi
fi

# The sanitizers on the tests that matter most within the budget: memcheck on every kernel family's and
# layer's tests and the training step; racecheck (shared-memory hazards), synccheck (barrier misuse) and
# initcheck (reads of uninitialised device memory) on the three headline kernels' tests.
HEADLINE=(--select-class sagan4j.cuda.spectralnorm.SpectralNormNativeTest
          --select-class sagan4j.cuda.attention.AttentionVsCpuNativeTest
          --select-class sagan4j.cuda.condbatchnorm.CondBatchNormVsCpuNativeTest)
if command -v compute-sanitizer >/dev/null; then
    step memcheck 60 sanitize memcheck --select-package sagan4j.cuda.spectralnorm --select-package sagan4j.cuda.attention \
        --select-package sagan4j.cuda.condbatchnorm --select-package sagan4j.cuda.nn --select-package sagan4j.cuda.optim \
        --select-class sagan4j.cuda.train.TrainingNativeTest
    step racecheck 50 sanitize racecheck "${HEADLINE[@]}"
    step synccheck 40 sanitize synccheck "${HEADLINE[@]}"
    step initcheck 40 sanitize initcheck "${HEADLINE[@]}"
else
    for t in memcheck racecheck synccheck initcheck; do skip $t "compute-sanitizer is not on the PATH"; done
fi
if "$JAVA" -jar "$JAR" --help 2>/dev/null | grep -qE '^ +bench '; then
    step bench 40 "$JAVA" -jar "$JAR" bench --all --device "$DEV" --warmup 3 --iters 10 --json "$LOGS/bench.json"
else
    skip bench "this sagan4j.jar has no bench command yet"
fi

{
    echo
    echo "summary (logs in $LOGS; budget ${BUDGET} s, ${SECONDS} s used)"
    printf '%-14s %-14s %6s  %s\n' step result seconds note
    for i in "${!NAMES[@]}"; do
        printf '%-14s %-14s %6s  %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${SECONDS_TAKEN[$i]}" "${NOTES[$i]}"
    done
    if [ -s "$LOGS/ratios.txt" ]; then
        echo
        cat "$LOGS/ratios.txt"
    fi
} | tee "$LOGS/summary.txt"

# The device tool brings back at most 8 files: keep the summary, the ratios and the JSON results, pack the rest.
if [ "$(find "$LOGS" -maxdepth 1 -type f | wc -l)" -gt 8 ]; then
    packed=$(cd "$LOGS" && ls -- *.log sagan4j-step-*.json 2>/dev/null | tr '\n' ' ')
    # shellcheck disable=SC2086  # plain file names made above, no spaces
    (cd "$LOGS" && tar czf logs.tar.gz $packed && rm -f $packed) || echo "packing the logs failed: they stay as they are"
fi
exit $failed
