#!/usr/bin/env bash
# Starts a real Kubernetes control plane on 127.0.0.1 for EventFlow's tests and development:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (one simulated node),
# and metrics-server when built. Builds missing binaries first (hack/testenv/build.sh).
#
#   EVENTFLOW_TESTENV_DIR   state directory (default: <repo>/.testenv): pki/, logs/, run/,
#                           kubeconfig, bin/ (links to the cached binaries), env
#   EVENTFLOW_TESTENV_METRICS=0  do not start metrics-server even if it is built
#   EVENTFLOW_TESTENV_NO_BUILD=1 fail (exit 3) instead of building missing binaries
#
# Every port is chosen free at start; `env` in the state directory records them. Logs stay
# in logs/ after a failure (and after `down.sh`) for inspection.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
. "$HERE/versions.env"
CACHE=${EVENTFLOW_K8S_CACHE:-$HOME/.cache/eventflow/k8s-testenv}
S=${EVENTFLOW_TESTENV_DIR:-$REPO/.testenv}
P="$S/pki" L="$S/logs" R="$S/run" B="$S/bin"
log() { printf '[testenv] %s\n' "$*" >&2; }

if [ -f "$S/env" ] && "$HERE/status.sh" >/dev/null 2>&1; then
  log "already running: KUBECONFIG=$S/kubeconfig"
  exit 0
fi
"$HERE/down.sh" >/dev/null 2>&1 || true

WANT="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"
OPTIONAL="kubectl metrics-server helm"
if [ "${EVENTFLOW_TESTENV_NO_BUILD:-0}" = 1 ]; then
  # Test runs do not start a cold build (half an hour on 2 cores): the setup step does that.
  for b in $WANT; do
    "$HERE/build.sh" --check "$b" || {
      log "not built: $b; run 'bash scripts/setup/60-k8s-testenv.sh' (or 'npm run testenv:up') first"
      exit 3
    }
  done
else
  "$HERE/build.sh" $WANT
fi
mkdir -p "$P" "$L" "$R" "$B"
for b in $WANT $OPTIONAL; do
  dir="$CACHE/bin/$b-v$(case $b in
    etcd) echo "$ETCD_VERSION" ;; kwok) echo "$KWOK_VERSION" ;;
    metrics-server) echo "$METRICS_SERVER_VERSION" ;; helm) echo "$HELM_VERSION" ;;
    *) echo "$K8S_VERSION" ;; esac)"
  if [ -f "$dir/.stamp" ]; then ln -sfn "$dir/$b" "$B/$b"; else rm -f "$B/$b"; fi
done
KWOK_ASSETS="$CACHE/bin/kwok-v$KWOK_VERSION"

# A port below the kernel's ephemeral range (outgoing connections never hold it) that no
# socket uses, in any state.
EPHEMERAL_LOW=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((15000 + RANDOM % (EPHEMERAL_LOW - 15000)))
    if ! ss -Htan "sport = :$p" | grep -q . && ! grep -qs "=$p\$" "$S/env"; then
      echo "$p"
      return
    fi
  done
  return 1
}
ETCD_PORT=$(free_port); echo "ETCD_PORT=$ETCD_PORT" >"$S/env"
ETCD_PEER_PORT=$(free_port); echo "ETCD_PEER_PORT=$ETCD_PEER_PORT" >>"$S/env"
APISERVER_PORT=$(free_port); echo "APISERVER_PORT=$APISERVER_PORT" >>"$S/env"
KCM_PORT=$(free_port); echo "KCM_PORT=$KCM_PORT" >>"$S/env"
SCHED_PORT=$(free_port); echo "SCHED_PORT=$SCHED_PORT" >>"$S/env"
KWOK_PORT=$(free_port); echo "KWOK_PORT=$KWOK_PORT" >>"$S/env"
METRICS_PORT=$(free_port); echo "METRICS_PORT=$METRICS_PORT" >>"$S/env"
# The apiserver refuses a loopback advertise address; nothing is ever sent to this one
# (--endpoint-reconciler-type=none, no kube-proxy).
ADVERTISE=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
ADVERTISE=${ADVERTISE:-192.0.2.10}
echo "ADVERTISE=$ADVERTISE" >>"$S/env"

# ---------- PKI (one CA; openssl from Debian) ----------
if [ ! -f "$P/ca.crt" ]; then
  (
    cd "$P"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=eventflow-testenv-ca" 2>/dev/null
    sign() { # name subject extensions
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      printf '%b' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 3650 -extfile "$1.ext" 2>/dev/null
    }
    # The real node's bridge gateway (node-up.sh) too: pods reach the API server there.
    sign apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:${EVENTFLOW_NODE_SUBNET:-10.245.0}.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n"
    sign admin "/O=system:masters/CN=eventflow-testenv-admin" "extendedKeyUsage=clientAuth\n"
    sign front-proxy "/CN=front-proxy-client" "extendedKeyUsage=clientAuth\n"
    sign kwok "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
fi
b64() { base64 -w0 "$1"; }
cat >"$S/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: eventflow-testenv
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(b64 "$P/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$P/admin.crt")
    client-key-data: $(b64 "$P/admin.key")
contexts:
- name: eventflow-testenv
  context: {cluster: eventflow-testenv, user: admin}
current-context: eventflow-testenv
KC
chmod 600 "$S/kubeconfig"

TEARDOWN=("$HERE/down.sh" --keep-logs)
. "$HERE/proc.sh"
CURL=(curl -fsS --max-time 5 --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key")
API="https://127.0.0.1:$APISERVER_PORT"
T0=$SECONDS

# ---------- etcd (tmpfs-like speed without fsync; loopback only) ----------
rm -rf "$S/etcd"
start etcd "$B/etcd" --name testenv --data-dir "$S/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "testenv=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn \
  --quota-backend-bytes=2147483648
wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# ---------- kube-apiserver ----------
start kube-apiserver "$B/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --advertise-address="$ADVERTISE" --endpoint-reconciler-type=none \
  --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=false \
  --authorization-mode=Node,RBAC --client-ca-file="$P/ca.crt" \
  --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
  --requestheader-client-ca-file="$P/ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$P/front-proxy.crt" --proxy-client-key-file="$P/front-proxy.key" \
  --kubelet-client-certificate="$P/admin.crt" --kubelet-client-key="$P/admin.key" \
  --kubelet-preferred-address-types=Hostname \
  --cert-dir="$S/apiserver-certs"
wait_for kube-apiserver 120 "${CURL[@]}" "$API/readyz"

# ---------- controllers and scheduler ----------
start kube-controller-manager "$B/kube-controller-manager" \
  --kubeconfig="$S/kubeconfig" --authentication-kubeconfig="$S/kubeconfig" --authorization-kubeconfig="$S/kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
  --controllers='*' --use-service-account-credentials=false \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --horizontal-pod-autoscaler-sync-period=5s \
  --horizontal-pod-autoscaler-downscale-stabilization=15s \
  --concurrent-gc-syncs=5 --node-monitor-grace-period=60s
start kube-scheduler "$B/kube-scheduler" --kubeconfig="$S/kubeconfig" \
  --authentication-kubeconfig="$S/kubeconfig" --authorization-kubeconfig="$S/kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false
wait_for kube-controller-manager 60 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for kube-scheduler 60 curl -fsSk "https://127.0.0.1:$SCHED_PORT/healthz"

# ---------- kwok: one simulated node; its kubelet-like API serves logs and metrics ----------
# What `pods/log` returns for every simulated pod, in the CRI log format kwok parses.
for i in 1 2 3; do
  printf '2000-01-01T00:00:0%s.000000000Z stdout F eventflow testenv: simulated line %s\n' "$i" "$i"
done >"$S/fake-pod.log"
{
  cat <<KW
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  cidr: 10.244.0.0/16
  nodeIP: 127.0.0.1
  nodeName: localhost
  nodePort: $KWOK_PORT
  serverAddress: 127.0.0.1:$KWOK_PORT
  tlsCertFile: $P/kwok.crt
  tlsPrivateKeyFile: $P/kwok.key
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  nodeLeaseDurationSeconds: 40
  nodeLeaseParallelism: 2
  podPlayStageParallelism: 2
  nodePlayStageParallelism: 2
  podsOnNodeSyncParallelism: 1
  # kwok's defaults are not applied to a --config file: set what it needs (logs need the
  # debugging handlers).
  enableDebuggingHandlers: true
  enableProfilingHandler: false
  enableContentionProfiling: false
---
KW
  # kwok's ready stage must leave the pods of the reserved failing images alone.
  awk 'BEGIN { RS = "\n---\n"; ORS = "\n---\n" }
    /name: pod-ready/ { sub(/matchExpressions:\n/, "matchExpressions:\n    - key: \x27.spec.containers.[0].image\x27\n      operator: \x27NotIn\x27\n      values: [\x27registry.invalid/eventflow/unpullable:1\x27, \x27registry.invalid/eventflow/crashing:1\x27]\n") }
    { print }' "$KWOK_ASSETS/stages.yaml"
  printf '\n---\n'
  cat "$HERE/kwok/eventflow-stages.yaml"
  printf '\n---\n'
  cat "$KWOK_ASSETS/metrics-resource.yaml"
  printf '\n---\n'
  cat "$KWOK_ASSETS/usage-from-annotation.yaml"
  cat <<KW

---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: all-pods
spec:
  logs:
  - logsFile: $S/fake-pod.log
    follow: true
KW
} >"$S/kwok.yaml"
start kwok "$B/kwok" --kubeconfig="$S/kubeconfig" --config="$S/kwok.yaml"
"${CURL[@]}" -X POST -H 'Content-Type: application/json' "$API/api/v1/nodes" -d '{
  "apiVersion": "v1", "kind": "Node",
  "metadata": {"name": "kwok-node-0",
    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0",
      "metrics.k8s.io/resource-metrics-path": "/metrics/nodes/kwok-node-0/metrics/resource"},
    "labels": {"kubernetes.io/hostname": "kwok-node-0", "kubernetes.io/os": "linux", "type": "kwok"}},
  "spec": {"podCIDR": "10.244.1.0/24"}}' >/dev/null || fail "cannot create the kwok node" kwok
node_ready() { "${CURL[@]}" "$API/api/v1/nodes/kwok-node-0" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"\|"status":"True","type":"Ready"'; }
wait_for kwok 60 node_ready
sa_ready() { "${CURL[@]}" "$API/api/v1/namespaces/default/serviceaccounts/default"; }
wait_for kube-controller-manager 60 sa_ready

# ---------- metrics-server (for HPAs), behind an ExternalName Service on loopback ----------
if [ -x "$B/metrics-server" ] && [ "${EVENTFLOW_TESTENV_METRICS:-1}" != 0 ]; then
  start metrics-server "$B/metrics-server" --kubeconfig="$S/kubeconfig" \
    --authentication-kubeconfig="$S/kubeconfig" --authorization-kubeconfig="$S/kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$METRICS_PORT" --cert-dir="$S/metrics-server" \
    --kubelet-insecure-tls --kubelet-use-node-status-port \
    --kubelet-preferred-address-types=Hostname --metric-resolution=10s --kubelet-request-timeout=5s
  # metrics-server is ready once it has scraped a pod twice: give it one to scrape.
  "${CURL[@]}" -X POST -H 'Content-Type: application/json' "$API/api/v1/namespaces/kube-system/pods" -d '{
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "testenv-metrics-warmup", "annotations": {"kwok.x-k8s.io/usage-cpu": "1m"}},
    "spec": {"containers": [{"name": "idle", "image": "registry.invalid/eventflow/idle:1",
      "resources": {"requests": {"cpu": "1m"}}}]}}' >/dev/null
  wait_for metrics-server 90 curl -fsSk "https://127.0.0.1:$METRICS_PORT/readyz"
  "${CURL[@]}" -X POST -H 'Content-Type: application/json' "$API/api/v1/namespaces/kube-system/services" -d '{
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "metrics-server", "namespace": "kube-system"},
    "spec": {"type": "ExternalName", "externalName": "127.0.0.1"}}' >/dev/null
  "${CURL[@]}" -X POST -H 'Content-Type: application/json' "$API/apis/apiregistration.k8s.io/v1/apiservices" -d '{
    "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": "v1beta1.metrics.k8s.io"},
    "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100, "versionPriority": 100,
      "insecureSkipTLSVerify": true, "service": {"name": "metrics-server", "namespace": "kube-system", "port": '"$METRICS_PORT"'}}}' >/dev/null
  echo "METRICS_SERVER=1" >>"$S/env"
fi

echo "KUBECONFIG=$S/kubeconfig" >>"$S/env"
log "cluster up in $((SECONDS - T0))s: export KUBECONFIG=$S/kubeconfig (binaries in $B)"
