#!/usr/bin/env bash
# Exits 0 when the test cluster of EVENTFLOW_TESTENV_DIR (default <repo>/.testenv) answers /readyz.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
S=${EVENTFLOW_TESTENV_DIR:-$(cd "$HERE/../.." && pwd)/.testenv}
[ -f "$S/env" ] || exit 1
. "$S/env"
for f in "$S"/run/*.pid; do kill -0 "$(cat "$f")" 2>/dev/null || { echo "not running: $(basename "$f" .pid)"; exit 1; }; done
curl -fsS --max-time 5 --cacert "$S/pki/ca.crt" --cert "$S/pki/admin.crt" --key "$S/pki/admin.key" \
  "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null
echo "running: KUBECONFIG=$S/kubeconfig"
