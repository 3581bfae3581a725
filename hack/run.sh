#!/usr/bin/env bash
# Builds jcri and starts jcrid in the foreground with its embedded defaults
# (socket /run/jcri/jcri.sock, default CNI network, local pause image). Extra args go to jcrid.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
install_packages
mvn -B -q package -DskipTests
[ -f packaging/target/jcri-0.1.0/lib/jcrid.aot ] || bin/jcrid-aot-train >/dev/null 2>&1 || echo "no AOT cache (needs JDK 25): jcrid starts slower" >&2
exec bin/jcrid "$@"
