#!/usr/bin/env bash
# Builds the pinned test control plane from the Go module proxy into a cache outside the
# repository, one binary at a time, each keyed by name and version and skipped when its
# stamp exists. Usage: hack/testenv/build.sh [binary...]   (default: the set in
# EVENTFLOW_TESTENV_BINARIES, else the lean set the k8s test tier needs).
#
# Every go command runs under `nice -n 19` (the machine is shared); GOMAXPROCS stays unset.
# Timings of every real build are appended to $CACHE/build-times.tsv.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"
CACHE=${EVENTFLOW_K8S_CACHE:-$HOME/.cache/eventflow/k8s-testenv}
DEFAULT_SET="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"
TARGETS=${*:-${EVENTFLOW_TESTENV_BINARIES:-$DEFAULT_SET}}

command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "[testenv-build] no Go toolchain on PATH" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false"
export GOCACHE="$CACHE/gocache" GOMODCACHE="$CACHE/gomodcache"
unset GOMAXPROCS
NICE="nice -n 19"
mkdir -p "$CACHE/bin" "$CACHE/src"

log() { printf '[testenv-build] %s\n' "$*" >&2; }

version_of() {
  case "$1" in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy) echo "$K8S_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    metrics-server) echo "$METRICS_SERVER_VERSION" ;;
    helm) echo "$HELM_VERSION" ;;
    gateway-api-crds) echo "$GATEWAY_API_VERSION" ;;
    nats-server) echo "$NATS_SERVER_VERSION" ;;
    jaeger) echo "$JAEGER_VERSION" ;;
    *) log "unknown binary: $1"; return 1 ;;
  esac
}

# $CACHE/bin/<name>-v<version>/<name> plus a stamp written after a successful build.
dest_dir() { echo "$CACHE/bin/$1-v$(version_of "$1")"; }
is_built() { [ -f "$(dest_dir "$1")/.stamp" ] && [ -e "$(dest_dir "$1")/$1" ]; }

# `build.sh --check name...`: exit 0 when every named binary is built, 1 otherwise.
if [ "${1:-}" = --check ]; then
  shift
  for n in "$@"; do is_built "$n" || exit 1; done
  exit 0
fi

timed() { # name phase cmd...  (records wall and CPU seconds of the command's processes)
  local name=$1 phase=$2; shift 2
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" 1>&4 2>&4; } 4>&2 2>&1) || return 1
  set -- $t
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$phase" "$1" "$(echo "$2 + $3" | bc)" \
    "$(version_of "$name")" >>"$CACHE/build-times.tsv"
  log "$name $phase: ${1}s wall, $(echo "$2 + $3" | bc)s cpu"
}

# ---------- kubernetes: a wrapper module, because k8s.io/kubernetes requires its staging
# modules at v0.0.0 and `go install pkg@version` refuses modules with replace directives.
k8s_module() {
  local dir="$CACHE/src/k8s-v$K8S_VERSION"
  mkdir -p "$dir"
  (
    cd "$dir"
    rm -f go.mod go.sum
    $NICE go mod init local.invalid/eventflow-k8s-testenv >/dev/null 2>&1
    local kmod staging
    kmod="$($NICE go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\([^"]*\)".*/\1/p')"
    staging="0.${K8S_VERSION#1.}"
    $NICE go mod edit -go="$(awk '$1 == "go" {print $2; exit}' "$kmod")"
    for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$kmod" | sort -u); do
      $NICE go mod edit -replace="$m=$m@v$staging"
    done
    # godebug lines only apply in the main module: carry kubernetes' own.
    awk '$1 == "godebug" && $2 != "(" {print $2}' "$kmod" | while read -r kv; do $NICE go mod edit -godebug="$kv"; done
    $NICE go get "k8s.io/kubernetes@v$K8S_VERSION" >&2
  )
  touch "$dir/.ready"
}

k8s_ldflags() {
  local minor ldf="-s -w" p
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  # Without stamping, /version says v0.0.0-master and version-sensitive clients misbehave.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldf="$ldf -X $p.gitTreeState=clean -X $p.gitCommit=0000000000000000000000000000000000000000"
    ldf="$ldf -X $p.buildDate=2000-01-01T00:00:00Z"
  done
  echo "$ldf"
}

build_k8s() { # name
  local name=$1 dir out
  dir="$CACHE/src/k8s-v$K8S_VERSION"
  [ -f "$dir/.ready" ] || timed "$name" modules k8s_module
  out="$(dest_dir "$name")"
  mkdir -p "$out"
  (cd "$dir" && timed "$name" build $NICE go build -mod=mod -trimpath -ldflags "$(k8s_ldflags)" -o "$out/$name" "k8s.io/kubernetes/cmd/$name")
}

# ---------- etcd: server/v3 has replace directives too, so it is built in a wrapper module.
build_etcd() {
  local dir="$CACHE/src/etcd-v$ETCD_VERSION" out
  out="$(dest_dir etcd)"
  mkdir -p "$dir" "$out"
  (
    cd "$dir"
    [ -f go.mod ] || $NICE go mod init local.invalid/eventflow-etcd >/dev/null 2>&1
    timed etcd modules $NICE go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
    timed etcd build $NICE go build -mod=mod -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
  )
}

# ---------- jaeger (v2, cmd/jaeger: the OpenTelemetry-collector-based all-in-one): its go.mod has
# a replace directive, so like etcd it is built in a wrapper module.
build_jaeger() {
  local dir="$CACHE/src/jaeger-v$JAEGER_VERSION" out
  out="$(dest_dir jaeger)"
  mkdir -p "$dir" "$out"
  (
    cd "$dir"
    [ -f go.mod ] || $NICE go mod init local.invalid/eventflow-jaeger >/dev/null 2>&1
    timed jaeger modules $NICE go get "github.com/jaegertracing/jaeger@v$JAEGER_VERSION"
    timed jaeger build $NICE go build -mod=mod -trimpath -ldflags "-s -w" -o "$out/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
  )
}

# ---------- programs without replace directives: plain `go install pkg@version`.
build_install() { # name package version
  local name=$1 pkg=$2 out
  out="$(dest_dir "$name")"
  mkdir -p "$out"
  timed "$name" build env GOBIN="$out" $NICE go install -trimpath -ldflags "-s -w" "$pkg@v$3"
}

kwok_assets() {
  local src="$GOMODCACHE/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize" out
  out="$(dest_dir kwok)"
  for f in stage/node/fast/node-initialize.yaml stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    stage/pod/fast/pod-ready.yaml stage/pod/fast/pod-complete.yaml stage/pod/fast/pod-delete.yaml; do
    cat "$src/$f"
    printf '\n---\n'
  done >"$out/stages.yaml"
  cp "$src/metrics/resource/metrics-resource.yaml" "$src/metrics/usage/usage-from-annotation.yaml" "$out/"
}

# The Gateway API's standard CRDs (not a binary): the YAML its Go module ships, concatenated into
# one file the deploy tier applies before it dry-runs the chart's HTTPRoute.
gateway_api_crds() {
  local dir out
  dir="$($NICE go mod download -json "sigs.k8s.io/gateway-api@v$GATEWAY_API_VERSION" | sed -n 's/.*"Dir": "\([^"]*\)".*/\1/p')"
  [ -n "$dir" ] || { log "gateway-api v$GATEWAY_API_VERSION: no module directory"; return 1; }
  out="$(dest_dir gateway-api-crds)"
  mkdir -p "$out"
  for f in "$dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
    case "$f" in *_vap_*) continue ;; esac # the upgrade policy is not a CRD
    cat "$f"
    printf '\n---\n'
  done >"$out/gateway-api-crds.tmp"
  mv "$out/gateway-api-crds.tmp" "$out/gateway-api-crds"
}

build_one() {
  local name=$1
  if is_built "$name"; then log "cached: $name v$(version_of "$name")"; return; fi
  log "building $name v$(version_of "$name") (nice 19, cold caches take minutes)"
  case "$name" in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy) build_k8s "$name" ;;
    etcd) build_etcd ;;
    kwok) build_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" && kwok_assets ;;
    metrics-server) build_install metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server "$METRICS_SERVER_VERSION" ;;
    helm) build_install helm "helm.sh/helm/v${HELM_VERSION%%.*}/cmd/helm" "$HELM_VERSION" ;;
    gateway-api-crds) gateway_api_crds ;;
    nats-server) build_install nats-server "github.com/nats-io/nats-server/v${NATS_SERVER_VERSION%%.*}" "$NATS_SERVER_VERSION" ;;
    jaeger) build_jaeger ;;
  esac
  touch "$(dest_dir "$name")/.stamp"
}

# One build at a time per cache (several test runs may ask at once); a waiting caller finds the
# stamps of what the first one built and skips it.
exec 8>"$CACHE/.build.lock"
if ! flock -n 8; then
  log "another build holds $CACHE/.build.lock; waiting for it"
  flock 8
fi
for t in $TARGETS; do build_one "$t"; done
log "binaries under $CACHE/bin"
