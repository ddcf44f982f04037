#!/usr/bin/env bash
# Builds the test node's sandbox image without any registry: a static pause binary (gcc,
# libc6-dev) in one layer, written as a docker-archive tarball that `ctr images import`
# loads under its tag. Usage: pause-image.sh OUT.tar TAG   (cached by the caller)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT=$1 TAG=$2
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/rootfs" "$W/img"
gcc -static -O2 -s -o "$W/rootfs/pause" "$HERE/pause.c"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$W/rootfs" -cf "$W/img/layer.tar" pause
DIFF="sha256:$(sha256sum "$W/img/layer.tar" | cut -d' ' -f1)"
cat >"$W/img/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["$DIFF"]}}
JSON
printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]\n' "$TAG" >"$W/img/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$W/img" -cf "$OUT.tmp" manifest.json config.json layer.tar
mv "$OUT.tmp" "$OUT"
