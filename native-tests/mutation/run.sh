#!/usr/bin/env bash
# native-tests/mutation/run.sh [TEST_CLASS,...] — the mutation check of the backward wiring in
# src/main/java/sagan4j/{nn,models}: deletes or zeroes, one at a time, each backward(...) call and each gradient
# accumulation there, recompiles only that file into a shadow class directory that a fresh class loader reads
# first, runs the CPU test classes of sagan4j.nn and sagan4j.models (or the ones given) in the same JVM until
# their first failure, and prints which mutants survived. Not part of `mvn verify`; see README.md here.
# MUTATION_JAVA_OPTS=-Dmutation.list=true lists the mutants without running anything;
# -Dmutation.only=REGEX keeps the mutants whose "file:line description" matches.
# Exit status: 0 when every mutant was caught, 1 when one survived or did not compile, 2 when the unmodified
# code fails the tests or the build fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.1
W=${MUTATION_WORK:-target/mutation}   # another work dir lets a second check run beside a first
mkdir -p "$W/tool"
mvn -B -q ${MVN_FLAGS:-} test-compile dependency:build-classpath -Dmdep.outputFile="$W/classpath.txt" -Dmdep.includeScope=test
mvn -B -q ${MVN_FLAGS:-} dependency:copy -Dartifact="$JUNIT_CONSOLE" -DoutputDirectory="$W" -Dmdep.stripVersion=true
LAUNCHER="$W/junit-platform-console-standalone.jar"
javac -d "$W/tool" -cp "$LAUNCHER" --release 17 -encoding UTF-8 native-tests/mutation/java/sagan4j/mutation/*.java
DEPS=$(cat "$W/classpath.txt")
# a snapshot of the compiled classes, so that a build running meanwhile (mvn test-compile) does not change them
rm -rf "$W/classes" "$W/test-classes"
cp -r target/classes "$W/classes"
cp -r target/test-classes "$W/test-classes"
if [ $# -ge 1 ]; then
    TESTS=$1
else
    # the fast per-layer checks first (most mutants fail there), the whole-model checks last
    first=(sagan4j.nn.LayerGradientTest sagan4j.nn.BlockGradientTest sagan4j.nn.SpectralNormLayerTest
           sagan4j.nn.OrthogonalRegularizationTest sagan4j.models.BlockWiringGradientTest sagan4j.models.EndToEndGradientTest)
    rest=$(cd src/test/java && grep -l '@Test\|@ParameterizedTest' sagan4j/nn/*.java sagan4j/models/*.java \
           | sed 's/\.java$//; s|/|.|g' | grep -vxF -f <(printf '%s\n' "${first[@]}") || true)
    TESTS=$(printf '%s\n' "${first[@]}" $rest | paste -sd, -)
fi
# one JVM for all mutants (each gets its own class loader); the sagan4j classes are not on its class path
exec java ${MUTATION_JAVA_OPTS:-} -cp "$W/tool:$LAUNCHER:$DEPS" sagan4j.mutation.MutationCheck "$W" \
    "$W/classes" "$W/test-classes" "$DEPS" \
    src/main/java/sagan4j/nn,src/main/java/sagan4j/models \
    "$TESTS"
