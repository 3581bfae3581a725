#!/usr/bin/env bash
# The whole test suite: unit tests of every module, then integration tests against the real
# daemon with real runc, conmon, CNI plugins and a local registry. critest runs too when it is
# on PATH (CritestIT, with ../shared/critest-env); otherwise that one test is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
install_packages
mvn -B verify "$@"
