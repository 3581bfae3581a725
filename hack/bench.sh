#!/usr/bin/env bash
# Runs a benchmark main class of integration-tests/src/test/java/io/jcri/it/bench against the
# packaged daemon: hack/bench.sh LifecycleBenchmark [args...]. Build first: mvn -B -q install -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
class=$1; shift
mvn -B -q -o -pl integration-tests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp \
  -Dmdep.includeScope=test
cp="integration-tests/target/test-classes:$(cat integration-tests/target/bench.cp)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Djcri.dist="$PWD/packaging/target/jcri-0.1.0" -cp "$cp" "io.jcri.it.bench.$class" "$@"
