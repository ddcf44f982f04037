#!/usr/bin/env bash
# Adds a real node to the running test cluster (hack/testenv/up.sh): Debian's containerd with
# runc (cgroupfs), a bridge CNI whose pod addresses live only in the pods' network namespaces
# and a host-side bridge (IP forwarding stays off: pods reach nothing beyond the host), a
# locally built pause image, and the kubelet built from the module proxy (node-build.sh).
#
#   EVENTFLOW_TESTENV_DIR   the cluster's state directory (default <repo>/.testenv); the node
#                           keeps its state in node/, logs in logs/, pids in run/
#   EVENTFLOW_NODE_NAME     node name (default localhost: the apiserver reaches kubelets by
#                           Hostname, which must resolve to loopback)
#   EVENTFLOW_NODE_SUBNET   pod subnet, first three octets (default 10.245.0)
#   EVENTFLOW_NODE_KUBE_PROXY=1  also run kube-proxy (iptables mode): Service IPs work from the
#                           host and the pods; its rules are removed again by node-down.sh
#
# Writes node/env: NODE_NAME, KUBELET_PORT, CONTAINERD_SOCK, CERTS_D (containerd registry
# host configs: a test writes CERTS_D/127.0.0.1:PORT/hosts.toml for its registry), POD_SUBNET,
# APISERVER_FOR_PODS (host:port where pods reach the API server: a forwarder on the bridge
# gateway, hack/testenv/node/apiserver-proxy.mjs).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
. "$HERE/versions.env"
CACHE=${EVENTFLOW_K8S_CACHE:-$HOME/.cache/eventflow/k8s-testenv}
S=${EVENTFLOW_TESTENV_DIR:-$REPO/.testenv}
N="$S/node" L="$S/logs" R="$S/run" P="$S/pki"
NODE_NAME=${EVENTFLOW_NODE_NAME:-localhost}
SUBNET=${EVENTFLOW_NODE_SUBNET:-10.245.0}
BRIDGE=efnode0
PAUSE_TAG=localhost/eventflow/pause:1
log() { printf '[testenv-node] %s\n' "$*" >&2; }

[ -f "$S/env" ] || { log "the control plane is not running ($S/env missing): run hack/testenv/up.sh first"; exit 2; }
. "$S/env"
"$HERE/node-build.sh" --check || {
  log "kubelet, kube-proxy or pause image not built: run 'bash scripts/setup/70-k8s-node.sh' first"
  exit 3
}
KUBELET="$CACHE/bin/kubelet-v$K8S_VERSION/kubelet"
PAUSE_TAR="$CACHE/node/pause-image.tar"
"$HERE/node-down.sh" >/dev/null 2>&1 || true
mkdir -p "$N/cni/net.d" "$N/certs.d" "$N/kubelet" "$L/pods" "$R"

EPHEMERAL_LOW=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((15000 + RANDOM % (EPHEMERAL_LOW - 15000)))
    if ! ss -Htan "sport = :$p" | grep -q . && ! grep -qs "=$p\$" "$S/env" "$N/env"; then
      echo "$p"
      return
    fi
  done
  return 1
}
: >"$N/env"
KUBELET_PORT=$(free_port); echo "KUBELET_PORT=$KUBELET_PORT" >>"$N/env"
KUBELET_HEALTHZ_PORT=$(free_port); echo "KUBELET_HEALTHZ_PORT=$KUBELET_HEALTHZ_PORT" >>"$N/env"
SOCK="$N/containerd.sock"

TEARDOWN=("$HERE/node-down.sh")
. "$HERE/proc.sh"
T0=$SECONDS

# ---------- network: a host bridge holding the pods' gateway address ----------
# The bridge plugin runs with isGateway=false so it never turns on IP forwarding; the host
# reaches the pods through this bridge's own address.
ip link add "$BRIDGE" type bridge 2>/dev/null || true
ip addr replace "$SUBNET.1/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
cat >"$N/cni/net.d/10-eventflow.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "eventflow-testenv", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "ipMasq": false, "hairpinMode": false,
   "ipam": {"type": "host-local", "dataDir": "$N/cni/ipam",
     "ranges": [[{"subnet": "$SUBNET.0/24", "rangeStart": "$SUBNET.10", "gateway": "$SUBNET.1"}]]}}]}
JSON

# ---------- containerd (its own root, state and socket; runc with cgroupfs) ----------
cat >"$N/containerd.toml" <<TOML
version = 2
root = "$N/containerd/root"
state = "$N/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_TAG"
  # root here lacks CAP_SYS_RESOURCE: never ask for an oom_score_adj below containerd's own
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "${EVENTFLOW_NODE_SNAPSHOTTER:-overlayfs}"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$N/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$N/certs.d"
TOML
mount --make-rshared / 2>/dev/null || true
start containerd containerd --config "$N/containerd.toml" --log-level info
wait_for containerd 30 ctr --address "$SOCK" version
ctr --address "$SOCK" -n k8s.io images import "$PAUSE_TAR" >/dev/null || fail "cannot import the pause image" containerd

# ---------- kubelet ----------
cat >"$N/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$SOCK
imageServiceEndpoint: unix://$SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $P/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
podLogsDir: $L/pods
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
oomScoreAdj: 0
registerNode: true
maxPods: 30
podPidsLimit: -1
syncFrequency: 10s
fileCheckFrequency: 5s
nodeStatusUpdateFrequency: 5s
YAML
start kubelet "$KUBELET" --config="$N/kubelet.yaml" --kubeconfig="$S/kubeconfig" \
  --hostname-override="$NODE_NAME" --node-ip="$ADVERTISE" --root-dir="$N/kubelet" \
  --node-labels=eventflow.dev/testenv-node=real --v=2
wait_for kubelet 120 curl -fsS "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"
CURL=(curl -fsS --max-time 5 --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key")
API="https://127.0.0.1:$APISERVER_PORT"
node_ready() { "${CURL[@]}" "$API/api/v1/nodes/$NODE_NAME" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"\|"status":"True","type":"Ready"'; }
wait_for kubelet 120 node_ready

# ---------- the API server for pods, at the bridge gateway (it listens on loopback only) ----------
start apiserver-proxy node "$HERE/node/apiserver-proxy.mjs" "$SUBNET.1" "$APISERVER_PORT" "$APISERVER_PORT"
wait_for apiserver-proxy 20 "${CURL[@]}" "https://$SUBNET.1:$APISERVER_PORT/readyz"
# ---------- kube-proxy (optional): Service IPs in the host's iptables ----------
# Leaves the VM's sysctls alone: no conntrack table sizing or timeouts, no route_localnet
# (localhostNodePorts off); traffic to a Service from outside the pod subnet (the host) is
# masqueraded to the bridge address, the only source the pods can answer.
if [ "${EVENTFLOW_NODE_KUBE_PROXY:-0}" = 1 ]; then
  KP_HEALTHZ_PORT=$(free_port); echo "KUBE_PROXY_HEALTHZ_PORT=$KP_HEALTHZ_PORT" >>"$N/env"
  KP_METRICS_PORT=$(free_port); echo "KUBE_PROXY_METRICS_PORT=$KP_METRICS_PORT" >>"$N/env"
  cat >"$N/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $S/kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$KP_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KP_METRICS_PORT
mode: iptables
clusterCIDR: $SUBNET.0/24
detectLocalMode: ClusterCIDR
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 0s}
YAML
  start kube-proxy "$CACHE/bin/kube-proxy-v$K8S_VERSION/kube-proxy" --config="$N/kube-proxy.yaml" --v=2
  wait_for kube-proxy 60 curl -fsS "http://127.0.0.1:$KP_HEALTHZ_PORT/healthz"
fi
{
  echo "NODE_NAME=$NODE_NAME"
  echo "CONTAINERD_SOCK=$SOCK"
  echo "CERTS_D=$N/certs.d"
  echo "POD_SUBNET=$SUBNET.0/24"
  # What a pod sets as KUBERNETES_SERVICE_HOST/_PORT (no kube-proxy: the Service IP is dead).
  echo "APISERVER_FOR_PODS=$SUBNET.1:$APISERVER_PORT"
} >>"$N/env"
log "node $NODE_NAME ready in $((SECONDS - T0))s (kubelet :$KUBELET_PORT, containerd $SOCK)"
