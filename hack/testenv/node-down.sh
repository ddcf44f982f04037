#!/usr/bin/env bash
# Stops the real test node (node-up.sh): the kubelet, then every pod container and sandbox
# (their network namespaces and CNI addresses are released), containerd and its shims, then
# unmounts what is left under the node's state and removes the host bridge. Logs stay.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
S=${EVENTFLOW_TESTENV_DIR:-$(cd "$HERE/../.." && pwd)/.testenv}
N="$S/node" R="$S/run"
SOCK="$N/containerd.sock"
stop() {
  local f="$R/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null
  fi
  rm -f "$f"
}
stop kubelet
stop apiserver-proxy
if [ -f "$N/kube-proxy.yaml" ]; then
  stop kube-proxy
  # Its chains live in the host's iptables: remove them (they would send Service traffic nowhere).
  . "$HERE/versions.env"
  "${EVENTFLOW_K8S_CACHE:-$HOME/.cache/eventflow/k8s-testenv}/bin/kube-proxy-v$K8S_VERSION/kube-proxy" \
    --cleanup >"$S/logs/kube-proxy-cleanup.log" 2>&1
  rm -f "$N/kube-proxy.yaml"
fi
if [ -S "$SOCK" ] && ctr --address "$SOCK" version >/dev/null 2>&1; then
  C=(ctr --address "$SOCK" -n k8s.io)
  for t in $("${C[@]}" tasks ls -q 2>/dev/null); do "${C[@]}" tasks kill -s SIGKILL "$t" >/dev/null 2>&1; done
  sleep 0.5
  for t in $("${C[@]}" tasks ls -q 2>/dev/null); do "${C[@]}" tasks delete -f "$t" >/dev/null 2>&1; done
  for c in $("${C[@]}" containers ls -q 2>/dev/null); do "${C[@]}" containers delete "$c" >/dev/null 2>&1; done
fi
stop containerd
# shims outlive containerd by design: stop the ones serving this node's state directory
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $SOCK" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
# pod network namespaces created by the CNI for this node's sandboxes
if [ -d "$N/containerd/state" ]; then
  findmnt -rn -o TARGET | grep -F "$N/" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
fi
SUBNET_PREFIX=$(sed -n 's|^POD_SUBNET=\(.*\)\.0/24$|\1|p' "$N/env" 2>/dev/null)
if [ -n "$SUBNET_PREFIX" ]; then
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^cni-'); do
    ip -n "$ns" -4 -o addr show 2>/dev/null | grep -qF " $SUBNET_PREFIX." && ip netns del "$ns" 2>/dev/null
  done
fi
ip link del efnode0 2>/dev/null
rm -rf "$N/cni/ipam" "$N/env"
echo "[testenv-node] stopped (logs in $S/logs)" >&2
