#!/usr/bin/env bash
# Installs the load generators and timing tools the benchmarks in bench/ use (idempotent):
#   wrk        HTTP throughput (pinned to CPU 0 with taskset; see bench/README.md)
#   hyperfine  cold-start cross-check
#   util-linux taskset (CPU pinning)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../lib/apt-ensure.sh" wrk hyperfine util-linux
