#!/usr/bin/env bash
# Builds what the real test node needs, cached outside the repository: the kubelet and
# kube-proxy (through build.sh, keyed by K8S_VERSION like the control plane) and the pause
# image (keyed by the hash of node/pause.c). `node-build.sh --check` exits 1 when one is missing.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE=${EVENTFLOW_K8S_CACHE:-$HOME/.cache/eventflow/k8s-testenv}
PAUSE_DIR="$CACHE/node"
PAUSE_KEY="$(cat "$HERE/node/pause.c" "$HERE/node/pause-image.sh" | sha256sum | cut -c1-16)"
pause_built() { [ -f "$PAUSE_DIR/pause-image.tar" ] && [ "$(cat "$PAUSE_DIR/pause.key" 2>/dev/null)" = "$PAUSE_KEY" ]; }
if [ "${1:-}" = --check ]; then
  "$HERE/build.sh" --check kubelet kube-proxy && pause_built
  exit
fi
"$HERE/build.sh" kubelet kube-proxy
if ! pause_built; then
  mkdir -p "$PAUSE_DIR"
  "$HERE/node/pause-image.sh" "$PAUSE_DIR/pause-image.tar" localhost/eventflow/pause:1
  echo "$PAUSE_KEY" >"$PAUSE_DIR/pause.key"
fi
