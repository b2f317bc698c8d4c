#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for the cluster suite (test/cluster/) and bench/:
# etcd (Debian etcd-server), kube-apiserver, kube-controller-manager, kube-scheduler, kubelet on containerd + runc
# (Debian), kube-proxy in iptables mode, a CNI bridge (Debian containernetworking-plugins: bridge, host-local,
# portmap) and CoreDNS. The Kubernetes binaries and CoreDNS come from scripts/build-kubernetes.sh (as does the
# Prometheus with Kubernetes discovery that the suite runs outside the cluster; cluster.json names it).
#
#   cluster.sh up                 starts it (after undoing what a previous, crashed run left); prints its state file
#   cluster.sh down [--keep-logs] stops everything it started and undoes every change it made to the host
#   cluster.sh import IMAGE...    copies podman images into the cluster's containerd (pods use imagePullPolicy Never)
#   cluster.sh env                prints KUBECONFIG=... for a shell: eval "$(bash scripts/cluster.sh env)"
#
# Needs root (containerd, mounts, iptables, sysctls). Everything lives in $PODVISOR_CLUSTER_DIR (default
# /var/tmp/podvisor-cluster): certificates, kubeconfigs, etcd's data, containerd's root/state/socket, the kubelet's
# root, CNI configuration and IP allocations, logs, pid files, and a journal of the host changes to undo.
# One cluster per machine: kube-proxy's iptables chains and the node's sysctls are machine-wide.
#
# Host changes, each recorded before it is made and undone by `down` (also after a failed `up`):
#   - the bridge podvisor-cni0 with the node's address ($NODE_IP, never loopback: the apiserver reaches the kubelet
#     there, and pods reach the apiserver and CoreDNS through Services that DNAT to it);
#   - sysctls: net.ipv4.ip_forward and net.bridge.bridge-nf-call-iptables (set to 1 here), and those the kubelet
#     rewrites (vm.overcommit_memory, vm.panic_on_oom, kernel.panic, kernel.panic_on_oops, kernel.keys.root_max*);
#   - a v1 hugetlb cgroup hierarchy at /sys/fs/cgroup/hugetlb: on a hybrid cgroup layout whose hugetlb controller
#     sits on the v2 mount, runc's v1 manager fails every container ("cannot set hugetlb limit") without it;
#   - the kubelet's kubepods cgroups, kube-proxy's and the kubelet's iptables chains (`kube-proxy --cleanup`, then
#     any KUBE-* chain that was not there before), /var/log/containers links, CNI result cache entries, mounts under
#     the state directory, and pods' network namespaces.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${PODVISOR_CLUSTER_DIR:-/var/tmp/podvisor-cluster}"
cache="${PODVISOR_CACHE:-$HOME/.cache/podvisor}"

# Addresses and ports: non-default throughout, so that other software on the machine (an etcd on 2379, a cluster
# on 6443, a kubelet on 10250) never collides with this one.
NODE_NAME=podvisor-node
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.97.0.0/24
DNS_SERVICE_IP=10.97.0.10
BRIDGE=podvisor-cni0
CNI_NETWORK=podvisor-cluster
ETCD_PORT=23790
ETCD_PEER_PORT=23800
API_PORT=26443
KUBELET_PORT=20250
KUBELET_HEALTHZ_PORT=20248
CONTROLLER_MANAGER_PORT=20257
SCHEDULER_PORT=20259
PROXY_HEALTHZ_PORT=20256
PROXY_METRICS_PORT=20249
DNS_PORT=10053
DNS_READY_PORT=20181
PAUSE_IMAGE=localhost/podvisor-cluster-pause:1
# The sysctls this script or the kubelet writes (the kubelet's with protectKernelDefaults: false).
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables vm.overcommit_memory vm.panic_on_oom kernel.panic
         kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet)

started_ms=$(date +%s%3N)
say() { echo "cluster: $*" >&2; }
fail() { echo "cluster: $*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s%3N) - started_ms ))"; }
# phase NAME: the milliseconds since `up` began, into the timings file (the bring-up figures of docs/cluster.md).
phase() { echo "$1 $(elapsed)" >> "$dir/timings"; say "$1 at $(elapsed) ms"; }

pki="$dir/pki"
sock="$dir/containerd/containerd.sock"
ctr_() { ctr --address "$sock" --namespace k8s.io "$@"; }
kubectl_() { "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" "$@"; }

# ---------------------------------------------------------------------------------------------------- processes
# launch NAME COMMAND...: in its own session (a test runner's process group signal does not reach it; `down`
# stops it by its pid file), output to logs/NAME.log.
launch() {
  local name=$1
  shift
  setsid "$@" > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/pids/$name.pid"
}

# alive NAME: the pid of the component if it still runs (and is still the program we started), else nothing.
alive() {
  local file="$dir/pids/$1.pid" pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -d "/proc/$pid" ] || return 1
  # A pid reused by an unrelated process after a reboot or a crash must never be signalled.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$dir" || return 1
  echo "$pid"
}

# running PID: whether the process is still there (a zombie waiting for its reaper counts as gone).
running() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2> /dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# stop_components NAME...: SIGTERM to all of them at once, then SIGKILL to any still running 10 s later.
stop_components() {
  local name pid pids=() i
  for name in "$@"; do
    pid=$(alive "$name") && { kill -TERM "$pid" 2> /dev/null; pids+=("$name:$pid"); }
    rm -f "$dir/pids/$name.pid"
  done
  for i in $(seq 1 100); do
    local left=0 entry
    for entry in "${pids[@]}"; do running "${entry#*:}" && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.1
  done
  for entry in "${pids[@]}"; do
    if running "${entry#*:}"; then
      say "${entry%%:*} (pid ${entry#*:}) still running 10 s after SIGTERM: SIGKILL"
      kill -KILL "${entry#*:}" 2> /dev/null
    fi
  done
}

# wait_until WHAT SECONDS COMPONENT COMMAND...: polls COMMAND until it succeeds; fails with the component's log.
wait_until() {
  local what=$1 seconds=$2 component=$3 deadline
  shift 3
  deadline=$(( $(date +%s) + seconds ))
  until "$@" > /dev/null 2>&1; do
    if [ -n "$component" ] && ! alive "$component" > /dev/null; then
      tail -n 30 "$dir/logs/$component.log" >&2 || true
      fail "$component exited while waiting for $what (log: $dir/logs/$component.log)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      [ -n "$component" ] && tail -n 30 "$dir/logs/$component.log" >&2
      fail "$what not ready within $seconds s${component:+ (log: $dir/logs/$component.log)}"
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------------- certificates
# EC keys: an RSA key costs ~0.3 s on these machines, and there are ten of them.
new_key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2> /dev/null; }

# certificate NAME SUBJECT EXTENSIONS: a key and a certificate signed by the cluster CA.
certificate() {
  local name=$1 subject=$2 extensions=$3
  new_key "$pki/$name.key"
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2> /dev/null
  printf '%s\n' "$extensions" > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 7 \
    -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2> /dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

client_extensions='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'

make_certificates() {
  mkdir -p "$pki"
  new_key "$pki/ca.key"
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=podvisor-cluster-ca" -days 7 -out "$pki/ca.crt" 2> /dev/null
  certificate apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,IP:${SERVICE_CIDR%.0/*}.1,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  certificate kubelet-serving "/CN=$NODE_NAME" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
  certificate admin "/O=system:masters/CN=podvisor-cluster-admin" "$client_extensions"
  certificate apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_extensions"
  certificate controller-manager "/CN=system:kube-controller-manager" "$client_extensions"
  certificate scheduler "/CN=system:kube-scheduler" "$client_extensions"
  certificate kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client_extensions"
  certificate kube-proxy "/CN=system:kube-proxy" "$client_extensions"
  certificate coredns "/CN=podvisor-cluster:coredns" "$client_extensions"
  new_key "$pki/service-account.key"
  openssl ec -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2> /dev/null
}

# kubeconfig NAME: $dir/NAME.kubeconfig authenticating with the client certificate NAME.
kubeconfig() {
  cat > "$dir/$1.kubeconfig" << EOF
apiVersion: v1
kind: Config
clusters:
- name: podvisor-cluster
  cluster:
    server: https://$NODE_IP:$API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: $1
  user:
    client-certificate: $pki/$1.crt
    client-key: $pki/$1.key
contexts:
- name: podvisor-cluster
  context:
    cluster: podvisor-cluster
    user: $1
current-context: podvisor-cluster
EOF
}

# ---------------------------------------------------------------------------------------------------- host changes
# Each change is written to the journal ($dir/host/) before it is made, so that `down` undoes exactly what was done.
prepare_host() {
  mkdir -p "$dir/host"
  local name value
  for name in "${SYSCTLS[@]}"; do
    value=$(sysctl -n "$name" 2> /dev/null) || continue
    echo "$name=$value" >> "$dir/host/sysctls"
  done
  for table in filter nat mangle raw; do
    iptables -t "$table" -S 2> /dev/null | awk '$1 == "-N" { print $2 }' | sed "s/^/$table /" >> "$dir/host/iptables-chains" || true
    ip6tables -t "$table" -S 2> /dev/null | awk '$1 == "-N" { print $2 }' | sed "s/^/$table /" >> "$dir/host/ip6tables-chains" || true
  done
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [ -d "$hierarchy/kubepods" ] && echo "$hierarchy" >> "$dir/host/kubepods-existed"
  done
  [ -d /var/log/containers ] || touch "$dir/host/var-log-containers-created"
  # The kubelet's device-plugin socket is always under /var/lib/kubelet, whatever its root directory.
  [ -d /var/lib/kubelet ] || touch "$dir/host/var-lib-kubelet-created"
  [ -d /run/containerd ] || touch "$dir/host/run-containerd-created"

  touch "$dir/host/bridge-created"
  ip link add "$BRIDGE" type bridge
  ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up

  sysctl -q -w net.ipv4.ip_forward=1
  sysctl -q -w net.bridge.bridge-nf-call-iptables=1

  if ! mountpoint -q /sys/fs/cgroup/hugetlb 2> /dev/null && [ -d /sys/fs/cgroup/unified ]; then
    if [ ! -d /sys/fs/cgroup/hugetlb ]; then
      touch "$dir/host/hugetlb-dir-created"
      mkdir /sys/fs/cgroup/hugetlb
    fi
    touch "$dir/host/hugetlb-mounted"
    mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
  fi
}

# Mount points under the state directory (deepest first), from the kernel's own table.
mounts_under_dir() {
  awk -v d="$dir/" '{ gsub(/\\040/, " ", $5); if (index($5, d) == 1) print $5 }' /proc/self/mountinfo | sort -r -u
}

restore_host() {
  local line name value table chain rule hierarchy
  # kube-proxy's chains (its own cleanup), then any KUBE-* chain that was not there before (the kubelet's).
  if [ -x "${bin:-}/kube-proxy" ]; then
    "$bin/kube-proxy" --cleanup > "$dir/logs/kube-proxy-cleanup.log" 2>&1 || true
  fi
  local tool ours
  for tool in iptables ip6tables; do
    command -v "$tool" > /dev/null || continue
    for table in filter nat mangle raw; do
      ours=()
      for chain in $("$tool" -t "$table" -S 2> /dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        grep -qx "$table $chain" "$dir/host/$tool-chains" 2> /dev/null || ours+=("$chain")
      done
      for chain in "${ours[@]}"; do
        "$tool" -t "$table" -S 2> /dev/null | grep -E -- "-j $chain( |$)" | sed 's/^-A /-D /' |
          while read -r rule; do eval "$tool -t $table $rule" 2> /dev/null; done
      done
      for chain in "${ours[@]}"; do "$tool" -t "$table" -F "$chain" 2> /dev/null; done
      for chain in "${ours[@]}"; do "$tool" -t "$table" -X "$chain" 2> /dev/null || say "could not delete $tool chain $table/$chain"; done
    done
  done

  # Pods' cgroups (the kubelet's kubepods tree), leaves first, in every hierarchy where we created it.
  for hierarchy in /sys/fs/cgroup/*/; do
    [ -d "$hierarchy/kubepods" ] || continue
    grep -qx "$hierarchy" "$dir/host/kubepods-existed" 2> /dev/null && continue
    find "$hierarchy/kubepods" -depth -type d -exec rmdir {} + 2> /dev/null || say "could not remove all of $hierarchy/kubepods"
  done
  if [ -f "$dir/host/hugetlb-mounted" ]; then
    umount /sys/fs/cgroup/hugetlb || say "could not unmount /sys/fs/cgroup/hugetlb"
    rm -f "$dir/host/hugetlb-mounted"
  fi
  if [ -f "$dir/host/hugetlb-dir-created" ]; then
    rmdir /sys/fs/cgroup/hugetlb 2> /dev/null || say "could not remove /sys/fs/cgroup/hugetlb"
  fi

  if [ -f "$dir/host/bridge-created" ] && ip link show "$BRIDGE" > /dev/null 2>&1; then
    ip link del "$BRIDGE"
  fi
  if [ -f "$dir/host/sysctls" ]; then
    while IFS= read -r line; do
      name=${line%%=*}
      value=${line#*=}
      [ "$(sysctl -n "$name" 2> /dev/null)" = "$value" ] || sysctl -q -w "$name=$value" || say "could not restore $name=$value"
    done < "$dir/host/sysctls"
  fi

  # Files outside the state directory that the kubelet and CNI write for our pods.
  if [ -d /var/log/containers ]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$dir/*" -delete 2> /dev/null || true
    [ -f "$dir/host/var-log-containers-created" ] && rmdir /var/log/containers 2> /dev/null || true
  fi
  if [ -f "$dir/host/var-lib-kubelet-created" ]; then
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock
    find /var/lib/kubelet -depth -type d -empty -delete 2> /dev/null
  fi
  rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2> /dev/null || true
  rmdir /var/lib/cni/results /var/lib/cni 2> /dev/null || true
  if [ -f "$dir/host/run-containerd-created" ] && [ -d /run/containerd ]; then
    find /run/containerd -depth -type d -empty -delete 2> /dev/null || true
  fi
}

# ---------------------------------------------------------------------------------------------------- down
down() {
  local keep_logs=$1 pid id
  # Best effort from here on: every step is tried, whatever failed before it.
  set +e
  [ -d "$dir" ] || { say "nothing to stop ($dir does not exist)"; return 0; }
  bin=$(cat "$dir/bin" 2> /dev/null || true)
  mkdir -p "$dir/logs" "$dir/pids"

  # Pods first, while the kubelet and the apiserver still run: the kubelet stops their containers and CNI
  # releases their addresses and interfaces the ordinary way.
  if alive kube-apiserver > /dev/null && alive kubelet > /dev/null && [ -n "$bin" ]; then
    kubectl_ delete deployments,replicasets,statefulsets,daemonsets,jobs --all --all-namespaces --wait=false > /dev/null 2>&1 || true
    kubectl_ delete pods --all --all-namespaces --grace-period=1 --wait=false > /dev/null 2>&1 || true
    local deadline=$(( $(date +%s) + 30 ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
      [ -z "$(kubectl_ get pods --all-namespaces -o name 2> /dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_components coredns kube-proxy kube-scheduler kube-controller-manager kubelet

  # Whatever the kubelet did not stop: containerd's tasks, killed and deleted, so that no container outlives us.
  if alive containerd > /dev/null; then
    for id in $(ctr_ tasks ls -q 2> /dev/null); do
      ctr_ tasks kill --signal SIGKILL "$id" > /dev/null 2>&1 || true
    done
    sleep 0.5
    for id in $(ctr_ tasks ls -q 2> /dev/null); do ctr_ tasks delete --force "$id" > /dev/null 2>&1 || true; done
    for id in $(ctr_ containers ls -q 2> /dev/null); do ctr_ containers delete "$id" > /dev/null 2>&1 || true; done
  fi
  stop_components containerd
  # Shims whose containerd is gone (a crashed run): found by our socket path in their command line.
  local exe
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    exe=$(readlink "/proc/$pid/exe" 2> /dev/null) || continue
    [ "${exe##*/}" = containerd-shim-runc-v2 ] || continue
    tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -q -F -- "$sock" && kill -KILL "$pid" 2> /dev/null || true
  done
  stop_components kube-apiserver etcd

  local mount
  while IFS= read -r mount; do
    [ -n "$mount" ] || continue
    umount "$mount" 2> /dev/null || umount -l "$mount" 2> /dev/null || say "could not unmount $mount"
  done < <(mounts_under_dir)

  restore_host
  if [ "$keep_logs" = 1 ]; then
    local kept
    kept="$(mktemp -d /tmp/podvisor-cluster-logs.XXXXXX)"
    cp -a "$dir/logs/." "$kept/" 2> /dev/null || true
    cp -a "$dir/timings" "$kept/" 2> /dev/null || true
    say "logs kept in $kept"
  fi
  rm -rf "$dir"
  say "down: stopped and undone ($(elapsed) ms)"
}

# ---------------------------------------------------------------------------------------------------- up
preflight() {
  [ "$(id -u)" = 0 ] || fail "needs root (containerd, mounts, iptables, sysctls)"
  local tool
  for tool in etcd containerd containerd-shim-runc-v2 ctr runc iptables ip conntrack openssl setsid go; do
    command -v "$tool" > /dev/null || fail "$tool is missing: run \`bash scripts/install-debian-packages.sh\`"
  done
  for tool in bridge host-local portmap loopback; do
    [ -x "/usr/lib/cni/$tool" ] || fail "/usr/lib/cni/$tool is missing (Debian package containernetworking-plugins)"
  done
  if ip route show | grep -v "dev $BRIDGE" | grep -qE "^(${POD_CIDR%.0/*}|${SERVICE_CIDR%.0/*})\."; then
    fail "the host already routes $POD_CIDR or $SERVICE_CIDR; the test cluster needs both"
  fi
  local port busy=""
  for port in $ETCD_PORT $ETCD_PEER_PORT $API_PORT $KUBELET_PORT $KUBELET_HEALTHZ_PORT $CONTROLLER_MANAGER_PORT \
              $SCHEDULER_PORT $PROXY_HEALTHZ_PORT $PROXY_METRICS_PORT $DNS_PORT $DNS_READY_PORT; do
    ss -Hltun "( sport = :$port )" | grep -q . && busy="$busy $port"
  done
  [ -z "$busy" ] || fail "ports in use:$busy (the test cluster's fixed ports; stop what holds them)"
}

# The pause image, as an OCI archive built by hand from a static binary: no registry, no podman storage.
pause_archive() {
  local source="$root/scripts/cluster/pause.go" hash binary work layer config manifest
  hash=$(sha256sum "$source" | cut -c1-12)
  binary="$cache/cluster-pause-$hash"
  if [ ! -x "$binary" ]; then
    mkdir -p "$cache"
    (cd "$(dirname "$source")" && CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags "-s -w" -o "$binary.tmp" "$source") >&2
    mv "$binary.tmp" "$binary"
  fi
  work="$dir/pause-image"
  mkdir -p "$work/rootfs" "$work/oci/blobs/sha256"
  install -m 0755 "$binary" "$work/rootfs/pause"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" pause
  layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mv "$work/layer.tar" "$work/oci/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer" > "$work/config.json"
  config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config" "$(stat -c %s "$work/config.json")" "$layer" "$(stat -c %s "$work/oci/blobs/sha256/$layer")" > "$work/manifest.json"
  manifest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/oci/blobs/sha256/$config"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"1"}}]}' \
    "$manifest" "$(stat -c %s "$work/manifest.json")" "$PAUSE_IMAGE" > "$work/oci/index.json"
  mv "$work/manifest.json" "$work/oci/blobs/sha256/$manifest"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$work/oci/oci-layout"
  tar -C "$work/oci" -cf "$work/pause.tar" .
  echo "$work/pause.tar"
}

write_configs() {
  mkdir -p "$dir/containerd" "$dir/cni/net.d" "$dir/cni/ipam" "$dir/kubelet" "$dir/pod-logs"
  cat > "$dir/containerd/config.toml" << EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # The VM's capability bounding set lacks CAP_SYS_RESOURCE: runc cannot lower a sandbox's oom_score_adj to -998.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$dir/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
EOF
  cat > "$dir/cni/net.d/10-podvisor-cluster.conflist" << EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$dir/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  # Pods resolve through CoreDNS (clusterDNS); this only gives them no search domains of the host's.
  echo "nameserver $DNS_SERVICE_IP" > "$dir/kubelet/resolv.conf"
  cat > "$dir/kubelet/config.yaml" << EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $pki/ca.crt }
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$sock
imageServiceEndpoint: unix://$sock
cgroupDriver: cgroupfs
# 1.34 is the last minor whose kubelet runs on cgroup v1 when told to.
failCgroupV1: false
failSwapOn: false
# Then the kubelet rewrites vm.overcommit_memory, kernel.panic and kernel.panic_on_oops; down restores them.
protectKernelDefaults: false
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: cluster.local
resolvConf: $dir/kubelet/resolv.conf
podLogsDir: $dir/pod-logs
# A busy shared disk must neither evict the test's pods nor garbage-collect the images imported for them.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
EOF
  cat > "$dir/kube-proxy.yaml" << EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
clientConnection:
  kubeconfig: $dir/kube-proxy.kubeconfig
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
nodePortAddresses: ["$NODE_IP/32"]
iptables:
  localhostNodePorts: false
# Zeros: kube-proxy leaves the host's conntrack sysctls alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
  cat > "$dir/Corefile" << EOF
.:$DNS_PORT {
    bind $NODE_IP
    errors
    ready 127.0.0.1:$DNS_READY_PORT
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $dir/coredns.kubeconfig
        pods insecure
    }
    cache 5
}
EOF
}

# The objects CoreDNS needs: its rights, and the kube-dns Service pointing at the node (CoreDNS runs on the host).
cluster_objects() {
  kubectl_ apply -f - > /dev/null << EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "podvisor-cluster:coredns" }
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "podvisor-cluster:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "podvisor-cluster:coredns" }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: "podvisor-cluster:coredns" }]
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  clusterIP: $DNS_SERVICE_IP
  ports:
    - { name: dns, port: 53, protocol: UDP, targetPort: $DNS_PORT }
    - { name: dns-tcp, port: 53, protocol: TCP, targetPort: $DNS_PORT }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-node
  namespace: kube-system
  labels: { kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: podvisor-cluster }
addressType: IPv4
endpoints: [{ addresses: ["$NODE_IP"], conditions: { ready: true } }]
ports:
  - { name: dns, port: $DNS_PORT, protocol: UDP }
  - { name: dns-tcp, port: $DNS_PORT, protocol: TCP }
EOF
}

node_ready() {
  [ "$(kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2> /dev/null)" = True ]
}

up() {
  preflight
  if [ -d "$dir" ]; then
    if alive kube-apiserver > /dev/null || alive kubelet > /dev/null; then
      fail "a cluster is already running in $dir; \`bash scripts/cluster.sh down\` stops it"
    fi
    say "undoing what a previous run left in $dir"
    down 0
  fi
  mkdir -p "$dir/logs" "$dir/pids"
  # Undo everything if any step below fails.
  trap 'status=$?; trap - EXIT; if [ $status -ne 0 ]; then say "up failed: undoing"; down 1; fi; exit $status' EXIT
  : > "$dir/timings"

  bin=$(bash "$root/scripts/build-kubernetes.sh" all)
  echo "$bin" > "$dir/bin"
  coredns=$(ls "$bin"/coredns-v* | head -n 1)
  started_ms=$(date +%s%3N)   # the bring-up figure excludes waiting for a build

  prepare_host
  make_certificates
  for name in admin controller-manager scheduler kubelet kube-proxy coredns; do kubeconfig "$name"; done
  write_configs
  phase prepared

  launch etcd etcd --name podvisor-cluster --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "podvisor-cluster=http://127.0.0.1:$ETCD_PEER_PORT"
  # containerd does not need the control plane: it starts now, and the pause image goes in meanwhile.
  launch containerd containerd --config "$dir/containerd/config.toml"
  wait_until "etcd" 30 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
  phase etcd

  launch kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=true \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/service-account.pub" --service-account-signing-key-file "$pki/service-account.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
    --profiling=false

  wait_until "containerd" 30 containerd ctr_ version
  ctr_ images import "$(pause_archive)" > /dev/null
  phase containerd

  wait_until "kube-apiserver" 120 kube-apiserver curl -fsS --cacert "$pki/ca.crt" "https://$NODE_IP:$API_PORT/readyz"
  phase kube-apiserver

  launch kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" --leader-elect=false \
    --service-account-private-key-file "$pki/service-account.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials=true --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false
  launch kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/scheduler.kubeconfig" --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --profiling=false
  # --v=2: the kubelet logs when it kills a container (the suite's delete test reads it).
  launch kubelet "$bin/kubelet" \
    --config "$dir/kubelet/config.yaml" --kubeconfig "$dir/kubelet.kubeconfig" --root-dir "$dir/kubelet" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v=2
  launch kube-proxy "$bin/kube-proxy" --config "$dir/kube-proxy.yaml"
  cluster_objects
  launch coredns "$coredns" -conf "$dir/Corefile"

  wait_until "kube-controller-manager" 60 kube-controller-manager curl -fsSk "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz"
  wait_until "kube-scheduler" 60 kube-scheduler curl -fsSk "https://127.0.0.1:$SCHEDULER_PORT/healthz"
  wait_until "kube-proxy" 60 kube-proxy curl -fsS "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz"
  wait_until "CoreDNS" 60 coredns curl -fsS "http://127.0.0.1:$DNS_READY_PORT/ready"
  wait_until "the node to be Ready" 120 kubelet node_ready
  # Pods cannot be created in a namespace before its default ServiceAccount exists (the controller-manager's).
  wait_until "the default ServiceAccount" 60 kube-controller-manager kubectl_ get serviceaccount default -n default
  phase ready

  cat > "$dir/cluster.json" << EOF
{
  "directory": "$dir",
  "binaries": "$bin",
  "kubeconfig": "$dir/admin.kubeconfig",
  "caFile": "$pki/ca.crt",
  "server": "https://$NODE_IP:$API_PORT",
  "nodeName": "$NODE_NAME",
  "nodeIp": "$NODE_IP",
  "podCidr": "$POD_CIDR",
  "serviceCidr": "$SERVICE_CIDR",
  "containerdSocket": "$sock",
  "pauseImage": "$PAUSE_IMAGE",
  "kubernetesVersion": "$("$bin/kube-apiserver" --version | awk '{ print $2 }')",
  "corednsVersion": "$(basename "$coredns" | sed 's/^coredns-//')",
  "prometheus": "$(ls "$bin"/prometheus-v* | head -n 1)",
  "containerdVersion": "$(containerd --version | awk '{ print $3 }')",
  "runcVersion": "$(runc --version | awk 'NR == 1 { print $3 }')",
  "etcdVersion": "$(etcd --version | awk 'NR == 1 { print $3 }')",
  "cniPluginsVersion": "$(dpkg-query -W -f='${Version}' containernetworking-plugins 2> /dev/null || echo unknown)"
}
EOF
  trap - EXIT
  say "up: $NODE_NAME Ready, API at https://$NODE_IP:$API_PORT ($(elapsed) ms); KUBECONFIG=$dir/admin.kubeconfig"
  echo "$dir/cluster.json"
}

import_images() {
  [ -S "$sock" ] || fail "no cluster is running ($sock is missing)"
  local image
  for image in "$@"; do
    podman save --format docker-archive "$image" | ctr_ images import - > /dev/null
  done
}

case "${1:-}" in
  up) up ;;
  down) down "$([ "${2:-}" = --keep-logs ] && echo 1 || echo 0)" ;;
  import) shift; import_images "$@" ;;
  env) echo "export KUBECONFIG=$dir/admin.kubeconfig" ;;
  *) echo "usage: $0 up | down [--keep-logs] | import IMAGE... | env" >&2; exit 2 ;;
esac
