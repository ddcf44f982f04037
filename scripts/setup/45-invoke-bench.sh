#!/usr/bin/env bash
# Installs the peers and load tools of `npm run bench:invoke` (idempotent):
#   nginx           Debian's nginx 1.22, the reverse-proxy reference arm (started by the bench
#                   with its own config on a free port; the distribution's service is stopped)
#   (fixed-rate latency uses bench/invoke/open-loop.mjs, an open-loop generator of our own)
# wrk, hyperfine and taskset come from 10-bench-tools.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../lib/apt-ensure.sh" nginx
# The package starts a system nginx on :80 when installed; the bench runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx >/dev/null 2>&1 || true
fi
if [ -f /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
  nginx -s quit >/dev/null 2>&1 || true
fi
