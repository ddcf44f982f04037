#!/usr/bin/env bash
# Installs Debian packages that are missing, idempotently: `scripts/lib/apt-ensure.sh pkg...`.
# Runs `apt-get update` at most once per machine boot (marker in /tmp) and only when needed.
set -euo pipefail
missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
exec 9>/tmp/eventflow-apt.lock
flock 9
if [ ! -f /tmp/eventflow-apt-updated ]; then
  $SUDO apt-get update -qq >&2
  touch /tmp/eventflow-apt-updated
fi
echo "apt-ensure: installing ${missing[*]}" >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
