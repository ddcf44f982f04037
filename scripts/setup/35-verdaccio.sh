#!/usr/bin/env bash
# Installs Verdaccio, the npm registry the packaging tier (test/packaging) publishes our packed
# packages to, into ~/.cache/eventflow/verdaccio from the manifest and lockfile next to this
# script (idempotent: skipped while the installed lockfile is the same). It stays out of the
# root devDependencies so that every `npm ci` of the repository does not carry it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${EVENTFLOW_CACHE:-$HOME/.cache/eventflow}"
dir="$cache/verdaccio"
if [ -x "$dir/node_modules/.bin/verdaccio" ] && cmp -s "$here/verdaccio/package-lock.json" "$dir/package-lock.json"; then
  exit 0
fi
echo "35-verdaccio: installing Verdaccio into $dir" >&2
mkdir -p "$dir"
cp "$here/verdaccio/package.json" "$here/verdaccio/package-lock.json" "$dir/"
npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
