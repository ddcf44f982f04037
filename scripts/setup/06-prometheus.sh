#!/usr/bin/env bash
# promtool (Debian's prometheus package) checks every /metrics exposition in the tests.
set -euo pipefail
"$(dirname "$0")/../lib/apt-ensure.sh" prometheus
