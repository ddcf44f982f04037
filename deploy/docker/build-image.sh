#!/usr/bin/env bash
# Builds the controller image without a container daemon, with EventFlow's own image builder
# (`eventflow build --entry`, like ko for Go programs). Same base, user and entrypoint as
# Dockerfile.controller (checked by test/deploy/image.test.ts).
# Usage: deploy/docker/build-image.sh [eventflow build flags...]
#   e.g. deploy/docker/build-image.sh -t registry.example.com/eventflow/controller:0.1.0 --push
#        deploy/docker/build-image.sh --output oci:./controller-oci:0.1.0
# Run `npm run build` first. The dashboard is not in this image yet (the Dockerfile has it).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec node "$ROOT/packages/cli/dist/bin.js" build "$ROOT/packages/controller" \
  --entry src/bin.ts \
  --label org.opencontainers.image.title=eventflow-controller \
  "$@"
