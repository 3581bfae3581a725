#!/usr/bin/env bash
# Runs a benchmark main class of integration-tests/src/test/java/io/jcri/it/bench against the
# packaged daemon: hack/bench.sh LifecycleBenchmark [args...]. Build first: mvn -B -q install -DskipTests
#
# hack/bench.sh compare: jcrid side by side with Debian's containerd (installed when missing, never
# started as a service; it runs with a private root, state, socket, config and CNI config under
# /var/tmp/jcri-bench). Sizes: BENCH_OPTS="-Dbench.runs=30 -Dbench.execs=50 -Dbench.smallPulls=10
# -Dbench.bigPulls=3 -Dbench.parallel=10:3,50:1 -Dbench.starts=5 -Dbench.loads=quiet,saturated".
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
class=$1; shift
dist="$PWD/packaging/target/jcri-0.1.0"
if [ "$class" = compare ]; then
  class=compare.CompareBenchmark
  install_packages
  if ! command -v containerd >/dev/null; then
    echo "installing Debian's containerd (its service is not started)"
    # policy-rc.d 101: the package's scripts start no service (only when no policy is in place)
    added_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && added_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends containerd >/dev/null
    [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d
  fi
  [ -f "$dist/lib/jcrid.aot" ] || "$dist/bin/jcrid-aot-train" || echo "no AOT cache: jcrid starts slower" >&2
fi
mvn -B -q -o -pl integration-tests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp \
  -Dmdep.includeScope=test
# this checkout's own module classes, not the jars in ~/.m2 (another checkout's install overwrites those)
cp="integration-tests/target/test-classes:$(sed -E "s#[^:]*/jcri-([a-z-]+)/[^/:]*/jcri-[a-z-]+-[^/:]*-tests\.jar#$PWD/\1/target/test-classes#g; s#[^:]*/jcri-([a-z-]+)/[^/:]*/jcri-[a-z-]+-[^/:]*\.jar#$PWD/\1/target/classes#g" integration-tests/target/bench.cp)"
# shellcheck disable=SC2086 # BENCH_OPTS is a list of -D flags
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Djcri.dist="$dist" ${BENCH_OPTS:-} -cp "$cp" "io.jcri.it.bench.$class" "$@"
