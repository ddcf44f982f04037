#!/usr/bin/env bash
# Builds the controller image without a container daemon, with EventFlow's own image builder
# (`eventflow build --entry`, like ko for Go programs). Same base, user and entrypoint as
# Dockerfile.controller (checked by test/deploy/image.test.ts).
# Usage: deploy/docker/build-image.sh [eventflow build flags...]
#   e.g. deploy/docker/build-image.sh -t registry.example.com/eventflow/controller:0.1.0 --push
#        deploy/docker/build-image.sh --output oci:./controller-oci:0.1.0
# Run `npm run build` first (Node 24 on PATH). The dashboard's build goes to /dashboard/dist,
# where the controller looks for it (as in the Dockerfile); it is built here when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
if [ ! -f "$ROOT/packages/dashboard/dist/index.html" ]; then
  (cd "$ROOT" && npm run build -w @eventflow/dashboard >&2)
fi
exec node "$ROOT/packages/cli/dist/bin.js" build "$ROOT/packages/controller" \
  --entry src/bin.ts \
  --include "$ROOT/packages/dashboard/dist:/dashboard/dist" \
  --label org.opencontainers.image.title=eventflow-controller \
  "$@"
