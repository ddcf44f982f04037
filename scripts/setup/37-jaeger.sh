#!/usr/bin/env bash
# The tracing tests (packages/*/test/tracing*) export spans over OTLP to a real Jaeger (v2, the
# all-in-one `jaeger` binary with in-memory storage) and read the traces back from its query API.
# Built from its Go module by hack/testenv/build.sh into ~/.cache/eventflow/k8s-testenv (stamped:
# skipped when present; every go command under `nice -n 19`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "$ROOT/hack/testenv/build.sh" jaeger
