#!/usr/bin/env bash
# The native-test runner, for a GPU machine with no network, no Maven and perhaps no Java. Run it from
# the bundle that native-tests/pack.sh made:   bash target/native-bundle/run.sh [LOG_DIR]
# Steps: doctor; the native tests; the native tests again under compute-sanitizer memcheck (when it is
# on the PATH; the 'large' tests are left out there); `sagan4j bench` (when the jar has it). It keeps
# going past a failure and prints a summary table last; the full log of each step is in LOG_DIR
# (default: logs/ beside this script). Exit status: 0 when every step that ran passed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LOGS=${1:-$HERE/logs}
mkdir -p "$LOGS"
JAVA="$HERE/jre/bin/java"
[ -x "$JAVA" ] || JAVA=java
JAR="$HERE/sagan4j.jar"
CP="$JAR:$HERE/test-classes"
CONSOLE="$HERE/junit-platform-console-standalone.jar"
export SAGAN4J_REQUIRE_GPU=${SAGAN4J_REQUIRE_GPU:-1}   # a missing GPU or library fails the native tests instead of skipping them

declare -a NAMES RESULTS SECONDS_TAKEN NOTES
failed=0

# step NAME COMMAND... : runs COMMAND with its output in LOGS/NAME.log and records the outcome.
step() {
    local name=$1; shift
    local t0=$SECONDS
    echo "== $name: $*" >"$LOGS/$name.log"
    "$@" >>"$LOGS/$name.log" 2>&1
    local rc=$?
    NAMES+=("$name"); SECONDS_TAKEN+=($((SECONDS - t0)))
    if [ $rc -eq 0 ]; then RESULTS+=("ok"); else RESULTS+=("FAIL($rc)"); failed=1; fi
    NOTES+=("$(note_for "$name")")
    echo "[$name] exit $rc after $((SECONDS - t0)) s (log: $LOGS/$name.log)"
}

# The one line of a step's log worth putting in the summary.
note_for() {
    local log="$LOGS/$1.log"
    case $1 in
        doctor) grep -E '^(GEMM|conv) ' "$log" | tr '\n' ';' | cut -c1-150 ;;
        native-tests|memcheck)
            local counts
            counts=$(grep -Eo '[0-9]+ tests (successful|failed|aborted|skipped)' "$log" | tr '\n' ',' | sed 's/,$//; s/,/, /g')
            echo "$counts$(grep -Eo 'ERROR SUMMARY: [0-9]+ errors?' "$log" | tail -1 | sed 's/^/; memcheck /')" ;;
        *) tail -1 "$log" | cut -c1-150 ;;
    esac
}

junit() {
    "$JAVA" -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=tree --class-path "$CP" \
        --scan-class-path --include-tag native "$@"
}

echo "sagan4j native-test runner on $(hostname) at $(date -u +%FT%TZ)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

step doctor "$JAVA" -jar "$JAR" doctor
step native-tests junit
if command -v compute-sanitizer >/dev/null; then
    step memcheck compute-sanitizer --tool memcheck --target-processes all --error-exitcode 97 \
        "$JAVA" -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=tree --class-path "$CP" \
        --scan-class-path --include-tag native --exclude-tag large
else
    echo "[memcheck] skipped: compute-sanitizer is not on the PATH"
fi
if "$JAVA" -jar "$JAR" --help 2>/dev/null | grep -qE '^ +bench '; then
    step bench "$JAVA" -jar "$JAR" bench --all --device cuda --warmup 5 --iters 30 --json "$LOGS/bench.json"
else
    echo "[bench] skipped: this sagan4j.jar has no bench command yet"
fi

{
    echo
    echo "summary (logs in $LOGS)"
    printf '%-14s %-10s %6s  %s\n' step result seconds note
    for i in "${!NAMES[@]}"; do
        printf '%-14s %-10s %6s  %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${SECONDS_TAKEN[$i]}" "${NOTES[$i]}"
    done
} | tee "$LOGS/summary.txt"
exit $failed
