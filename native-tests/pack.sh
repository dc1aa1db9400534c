#!/usr/bin/env bash
# Packs what the GPU machine needs to run the native tests into target/native-bundle/ (at most 60 MiB):
#   sagan4j.jar (all dependencies inside), test-classes/, the JUnit console launcher, a jlink'd JRE
#   (java.base, java.logging, jdk.unsupported) and run.sh. The GPU machine has no network, no Maven and
#   no Java. Usage, from anywhere:  native-tests/pack.sh   (then carry target/native-bundle)
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=$((60 * 1024 * 1024))
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.1
B=target/native-bundle

mvn -B -q package -DskipTests
rm -rf "$B"
mkdir -p "$B"
cp target/sagan4j.jar "$B/"
cp -r target/test-classes "$B/test-classes"
mvn -B -q dependency:copy -Dartifact="$JUNIT_CONSOLE" -DoutputDirectory="$B" -Dmdep.stripVersion=true
JLINK="${JAVA_HOME:+$JAVA_HOME/bin/}jlink"
"$JLINK" --add-modules java.base,java.logging,jdk.unsupported \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$B/jre"
cp native-tests/run.sh "$B/run.sh"
chmod +x "$B/run.sh"

size=$(du -sb "$B" | cut -f1)
awk -v b="$B" -v s="$size" 'BEGIN { printf "native-test bundle: %s  %d bytes (%.1f MiB, limit 60 MiB)\n", b, s, s / 1048576 }'
if [ "$size" -gt "$LIMIT" ]; then
    echo "native-test bundle is larger than 60 MiB: $size bytes" >&2
    exit 1
fi
