#!/usr/bin/env bash
# native-tests/emulate.sh [JUnit console options...] — runs the native tests (tag 'native') on this machine,
# without a GPU, against the CPU emulator of the CUDA stack (native-tests/emulator: a fake libcuda.so.1
# that runs kernels/*.cu compiled for the host, plus host cuBLAS and cuDNN stand-ins). It checks the Java
# launch code, the kernels' indexing, barriers and shuffles, and every CUDA path against the CPU reference;
# it says nothing about speed, and the real libraries' own numerics only show on a GPU.
# Examples:  native-tests/emulate.sh
#            native-tests/emulate.sh --select-class sagan4j.cuda.nn.LayersNativeTest
#            SAGAN4J_EMU_ORDER=reverse native-tests/emulate.sh     (threads between barriers in reverse order)
# Exit status: the JUnit console's (0 when every test passed), or 1 when the tests passed but left a native handle
# open at exit (the emulator's report, see native-tests/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.1
E=target/emulator
mkdir -p "$E"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile="$E/classpath.txt" -Dmdep.includeScope=test
mvn -B -q dependency:copy -Dartifact="$JUNIT_CONSOLE" -DoutputDirectory="$E" -Dmdep.stripVersion=true
bash native-tests/emulator/build.sh "$E"
export SAGAN4J_CUDA_LIBS="$PWD/$E"
export SAGAN4J_REQUIRE_GPU=1   # the emulated device must be found: a loading problem fails instead of skipping
# by default everything but the "large" tests (full-size models, 1024³ GEMMs: their CPU references alone take
# many minutes here); pass your own selection to run those
if [ $# -eq 0 ]; then set -- --scan-class-path --exclude-tag large; fi
# every native handle the tests' processes made must be closed by exit: the emulator appends its counts per kind
# to this file (open_handles.h; child JVMs of the tests append theirs too), and any kind left open fails the run
report="$PWD/$E/handles-at-exit.txt"
rm -f "$report"
set +e
SAGAN4J_EMU_HANDLE_REPORT="$report" java -Xss4m -jar "$E/junit-platform-console-standalone.jar" execute --disable-banner \
    --disable-ansi-colors --details=tree --class-path "target/classes:target/test-classes:$(cat "$E/classpath.txt")" \
    --include-tag native "$@"
rc=$?
set -e
if [ -f "$report" ] && awk '$(NF-1) != $NF { bad = 1 } END { exit !bad }' "$report"; then
    echo "sagan4j emulator: native handles left open at exit (library kind created destroyed):" >&2
    awk '$(NF-1) != $NF' "$report" >&2
    [ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
