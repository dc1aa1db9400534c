#!/usr/bin/env bash
# Packs what the GPU machine needs to run the native tests into target/native-bundle/ (at most 60 MiB):
#   sagan4j.jar (all dependencies inside), test-classes/, the JUnit console launcher, a jlink'd JRE
#   (java.base, java.logging, jdk.unsupported), run.sh and peers/ (bench/peers: the PyTorch peers and the
#   ratios script, a few tens of KiB). The GPU machine has no network, no Maven and
#   no Java. Usage, from anywhere:  native-tests/pack.sh   (then carry target/native-bundle)
# The bundle's jar leaves out oneDNN's native libraries (28 MB of the 38 MB jar; the bundle must travel within
# 64 MiB): the native tests compare CUDA with the reference backend, and on that machine `--device cpu` falls
# back to the reference with one line, as it does wherever oneDNN cannot load.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=$((60 * 1024 * 1024))
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.1
B=target/native-bundle

mvn -B -q package -DskipTests
rm -rf "$B"
mkdir -p "$B"
python3 - target/sagan4j.jar "$B/sagan4j.jar" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if item.filename.startswith("org/bytedeco/") and "/linux-x86_64/" in item.filename:
            continue
        zout.writestr(item, zin.read(item.filename))
PY
cp -r target/test-classes "$B/test-classes"
mvn -B -q dependency:copy -Dartifact="$JUNIT_CONSOLE" -DoutputDirectory="$B" -Dmdep.stripVersion=true
JLINK="${JAVA_HOME:+$JAVA_HOME/bin/}jlink"
"$JLINK" --add-modules java.base,java.logging,jdk.unsupported \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$B/jre"
cp native-tests/run.sh "$B/run.sh"
mkdir -p "$B/peers"
cp bench/peers/*.py bench/peers/presets.json "$B/peers/"
chmod +x "$B/run.sh"

size=$(du -sb "$B" | cut -f1)
awk -v b="$B" -v s="$size" 'BEGIN { printf "native-test bundle: %s  %d bytes (%.1f MiB, limit 60 MiB)\n", b, s, s / 1048576 }'
if [ "$size" -gt "$LIMIT" ]; then
    echo "native-test bundle is larger than 60 MiB: $size bytes" >&2
    exit 1
fi
