#!/usr/bin/env bash
# Installs what the controller's tests use (idempotent):
#   prometheus  promtool, which checks every /metrics exposition (test/api/metrics.test.ts)
#   nginx       a real reverse proxy in front of the log stream (test/api/logs-nginx.test.ts);
#               the tests start their own nginx on a free port with their own config
#   bubblewrap  the local driver's replica sandbox (EVENTFLOW_LOCAL_SANDBOX=auto|bwrap), which
#               test/security replays a hostile function's attacks against; setpriv (util-linux)
#               drops each replica to its tenant's user inside it
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../lib/apt-ensure.sh" prometheus nginx bubblewrap util-linux
# Installing nginx may start the distribution's service on :80; the tests never use it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx >/dev/null 2>&1 || true
fi
