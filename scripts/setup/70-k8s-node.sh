#!/usr/bin/env bash
# The real test node of the end-to-end tier: Debian's containerd, runc and CNI plugins, gcc for
# the static pause binary, and the kubelet built from the Go module proxy into the same
# version-keyed cache as the control plane (hack/testenv/node-build.sh; skipped when built).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
"$ROOT/scripts/lib/apt-ensure.sh" containerd runc containernetworking-plugins iproute2 gcc libc6-dev util-linux procps
exec "$ROOT/hack/testenv/node-build.sh"
