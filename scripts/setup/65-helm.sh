#!/usr/bin/env bash
# The deploy test tier (test/deploy) renders and applies deploy/ with the pinned kubectl
# (kustomize built in) and helm, both built from their Go modules by hack/testenv/build.sh into
# ~/.cache/eventflow/k8s-testenv (stamped: skipped when present; every go command under
# `nice -n 19`). Cold build on the 2-core machine: see docs/install.md ("Tests"). Also the
# Gateway API's standard CRDs (YAML from its Go module), for the chart's HTTPRoute.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "$ROOT/hack/testenv/build.sh" kubectl helm gateway-api-crds
