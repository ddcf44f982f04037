#!/usr/bin/env bash
# Stops the test cluster of EVENTFLOW_TESTENV_DIR (default <repo>/.testenv) in reverse start
# order and removes its etcd data. Logs stay in logs/ for inspection.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
S=${EVENTFLOW_TESTENV_DIR:-$(cd "$HERE/../.." && pwd)/.testenv}
R="$S/run"
stop() {
  local f="$R/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
for c in metrics-server kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$c"; done
rm -rf "$S/etcd" "$S/env"
echo "[testenv] stopped (logs in $S/logs)" >&2
