#!/usr/bin/env bash
# The k8s test tier's control plane: builds the pinned etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok (plus metrics-server for HPA tests) from the
# Go module proxy into ~/.cache/eventflow/k8s-testenv, once per version (stamped, skipped when
# present). The tests start and stop the cluster themselves (hack/testenv/up.sh).
# EVENTFLOW_TESTENV_BINARIES overrides the set; openssl and iproute2 are needed by up.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
"$ROOT/scripts/lib/apt-ensure.sh" openssl iproute2 curl bc
exec "$ROOT/hack/testenv/build.sh" ${EVENTFLOW_TESTENV_BINARIES:-etcd kube-apiserver kube-controller-manager kube-scheduler kwok metrics-server}
