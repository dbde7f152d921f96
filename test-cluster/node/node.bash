# Sourced by test-cluster/cluster: a real node beside the control plane (cluster start --node DIR).
#
# containerd + runc (Debian), kube-controller-manager, kube-scheduler, kubelet and kube-proxy (iptables mode,
# built from the same pinned k8s.io/kubernetes module as kube-apiserver), a CNI bridge pod network, a stub DNS
# server for "external" names, and kube-dns (CoreDNS, 3 replicas) deployed on it. Everything the node changes
# outside DIR is recorded before the start (DIR/node/machine-before.state) and undone by `cluster stop DIR`,
# which then compares the machine with that record (DIR/node/leftovers.diff; non-empty = exit 1).
#
# Addresses: all in the benchmarking range 198.18.0.0/15 (RFC 2544), in a block NetnsTestHost leaves alone,
# plus node-local-dns's link-local 169.254.20.10. Nothing on them is reachable from outside this machine: the
# node IP sits on a bridge with no ports, pod traffic may not be forwarded off the pod bridge, the service
# range is routed onto the portless bridge so un-rewritten service traffic dies here, and the node-local address
# and the pod range have blackhole routes beneath their own, for when their interfaces are gone.
# Facts behind the choices: ../shared/reference/real-node-notes.md (summarised in docs/testing.md, "Node tier").

NODE_NAME=kubeforward-node
NODE_IP=198.19.255.1
NODE_BRIDGE=kfnode0
POD_BRIDGE=kfpods0
POD_CIDR=198.19.248.0/22
POD_GATEWAY=198.19.248.1
SERVICE_CIDR=198.19.244.0/24
API_SERVICE_IP=198.19.244.1
KUBE_DNS_IP=198.19.244.10
NODE_LOCAL_DNS_IP=169.254.20.10
# The metric of the blackhole routes that keep the node's addresses on this machine (setup_node_network).
GUARD_METRIC=4242
CLUSTER_DOMAIN=cluster.local
# The "external" names the stub upstream answers: every name under EXTERNAL_ZONE has EXTERNAL_ADDRESS; everything
# else is NXDOMAIN.
EXTERNAL_ZONE=example.org
EXTERNAL_NAME=www.example.org
EXTERNAL_ADDRESS=198.19.239.80
NODE_COMPONENTS=(kube-proxy kubelet kube-scheduler kube-controller-manager stub-dns containerd)
# Global sysctls the kubelet and the bridge plugin rewrite (real-node-notes.md); restored on stop.
NODE_SYSCTLS=(kernel.panic kernel.panic_on_oops vm.overcommit_memory net.ipv4.ip_forward)
# Paths outside DIR that the kubelet, containerd, CNI or the pods write (hard-coded in those programs).
NODE_OUTSIDE_PATHS=(/var/lib/kubelet /usr/libexec/kubernetes /var/lib/cni /run/containerd /var/log/pods
    /var/log/containers /run/xtables.lock /etc/cni /opt/cni /opt/containerd /var/lib/containerd /run/netns
    /var/lib/containers /run/containers /run/libpod /var/lib/kubeforward /etc/kubernetes /run/kubeforward-podman
    /var/tmp /etc/containers)
# Of those, the ones that hold only a node's runtime state (no configuration of anybody's): what a killed node
# leaves there goes before a new node records the machine.
NODE_RUNTIME_PATHS=(/var/lib/kubelet /run/containerd /var/lib/cni)
NODE_OWNER_FILE=${CACHE_ROOT}/node.owner

node_dir() { echo "$1/node"; }
node_log() { echo "--- cluster: $2 $(date -Is)" >>"$1/$3.log"; }

NODE_PACKAGES="containerd runc containernetworking-plugins iproute2 iptables nftables conntrack nfacct podman debootstrap bind9-dnsutils curl openssl"

# Why a node cannot start here, or nothing (exit 0) when it can.
node_problem() {
    [[ $(id -u) == 0 ]] || { echo "a node needs root (containerd, kubelet, network setup)"; return 1; }
    local c
    for c in containerd containerd-shim-runc-v2 runc ctr ip iptables ip6tables iptables-nft-save iptables-legacy-save \
        nft conntrack nfacct sysctl findmnt nsenter podman debootstrap dig curl openssl; do
        command -v "$c" >/dev/null || { echo "a node needs $c (apt-get install $NODE_PACKAGES)"; return 1; }
    done
    local p
    for p in bridge host-local loopback; do
        [[ -x /usr/lib/cni/$p ]] || { echo "a node needs the CNI plugin /usr/lib/cni/$p (apt-get install containernetworking-plugins)"; return 1; }
    done
    if [[ -f "$NODE_OWNER_FILE" ]]; then
        local owner
        owner=$(cat "$NODE_OWNER_FILE")
        if [[ -d "$owner" ]] && node_processes_alive "$owner"; then
            echo "a node of $owner is running on this machine (one kubelet per machine): $SELF stop $owner"
            return 1
        fi
    fi
}

node_require() {
    local problem
    problem=$(node_problem) || die "$problem"
}

# `cluster node-check`: exit 0 if a node can start here, else print why and exit 1.
cmd_node_check() {
    local problem
    if problem=$(node_problem); then
        echo "a node can start here"
    else
        echo "$problem"
        return 1
    fi
}

# ---------------------------------------------------------------------------------------------------------
# the machine's state, recorded before the node starts and compared after it stops

machine_state() {
    local dir=$1
    # Many of these print nothing on a clean machine (and grep then fails): no errexit or pipefail here.
    local -
    set +e +o pipefail
    echo "## sysctl"
    # Counters and per-boot values that change by themselves are left out.
    sysctl -a 2>/dev/null | grep -Ev '^(fs\.(dentry-state|file-nr|inode-nr|inode-state)|kernel\.(ns_last_pid|random\.|pty\.nr|tainted)|net\.netfilter\.nf_conntrack_count|fs\.quota\.|kernel\.sched_domain|net\.ipv6\.route\.gc|dev\.cdrom)' | sort
    echo "## links"
    ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
    echo "## addresses"
    ip -o addr show | awk '{print $2, $3, $4}' | sort
    echo "## routes"
    { ip -4 route show table all; ip -6 route show table all; } | grep -v '^local fe80\|^fe80\|^multicast\|^anycast fe80' | sort
    echo "## rules"
    { ip -4 rule; ip -6 rule; } | sort
    echo "## netns"
    # NetnsTestHost's namespaces (kubeforward-ID) belong to test JVMs that may run beside the node.
    ip netns list 2>/dev/null | grep -vE '^kubeforward-[0-9a-z]+( |$)' | sort
    echo "## iptables-nft"
    { iptables-nft-save; ip6tables-nft-save; } 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | sort
    echo "## iptables-legacy"
    { iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | sort
    echo "## nft"
    nft -s list ruleset 2>/dev/null | sed 's/ # handle [0-9]*//' | sort
    echo "## nfacct"
    nfacct list 2>/dev/null | sed 's/pkts = [0-9]*, bytes = [0-9]*//' | sort
    echo "## mounts"
    awk '{print $5}' /proc/self/mountinfo | sort
    echo "## cgroups"
    # process_api/ID: the cgroups this machine's own process launcher makes for every command it runs (here: the
    # sandbox of the tools that run the tests), created and removed beside the node all the time.
    find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d 2>/dev/null | grep -v '/process_api/' | sort
    echo "## paths"
    local p
    for p in "${NODE_OUTSIDE_PATHS[@]}"; do
        [[ -e $p || -L $p ]] && find "$p" -maxdepth 2 2>/dev/null
    done | sort
    echo "## conntrack"
    conntrack -L 2>/dev/null | grep -cE '198\.19\.(24[4-9]|25[0-5])\.|169\.254\.20\.10' || true
    echo "## processes"
    # Processes of this node: their command line names the node directory, or they are its containers.
    ps -eo pid=,args= | grep -F -- "$dir/" | grep -v -e 'grep -F' -e "$$" | awk '{$1=""; print}' | sort || true
}

# The machine's state without what NetnsTestHost adds for test JVMs that may run beside the node (its veths are kfhID).
machine_state_of_node() {
    machine_state "$1" | grep -vE 'kfh[0-9a-z]{3,}'
}

record_machine_state() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    [[ -f "$nd/machine-before.state" ]] && return
    mkdir -p "$nd"
    machine_state_of_node "$dir" >"$nd/machine-before.state.tmp"
    local s
    for s in "${NODE_SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$nd/sysctls-before.tmp"
    mv "$nd/sysctls-before.tmp" "$nd/sysctls-before"
    mv "$nd/machine-before.state.tmp" "$nd/machine-before.state"
}

# Exit 0 when the machine looks as it did before the node started; the differences in DIR/node/leftovers.diff.
cmd_check_clean() {
    local dir nd
    dir=$(cluster_dir "${1:-}")
    nd=$(node_dir "$dir")
    [[ -f "$nd/machine-before.state" ]] || die "no record of the machine before a node start in $nd"
    machine_state_of_node "$dir" >"$nd/machine-after.state"
    if diff -u "$nd/machine-before.state" "$nd/machine-after.state" >"$nd/leftovers.diff"; then
        log "the node left nothing behind"
        rm -f "$nd/leftovers.diff"
        return 0
    fi
    log "the node left this behind ($nd/leftovers.diff):"
    grep '^[-+][^-+]' "$nd/leftovers.diff" | head -n 60 >&2
    return 1
}

# ---------------------------------------------------------------------------------------------------------
# one node per machine: the kubelet hard-codes paths (/var/lib/kubelet/device-plugins), kube-proxy owns global
# chains

claim_node() {
    local dir=$1 owner
    mkdir -p "$CACHE_ROOT"
    if [[ -f "$NODE_OWNER_FILE" ]]; then
        owner=$(cat "$NODE_OWNER_FILE")
        if [[ "$owner" != "$dir" ]] && [[ -d "$owner" ]] && node_processes_alive "$owner"; then
            die "a node of $owner is running on this machine: stop it first ($SELF stop $owner)"
        fi
    fi
    wait_for_other_node_to_go
    clear_stale_node "$dir"
    echo "$dir" >"$NODE_OWNER_FILE"
}

# Sockets that something listens on at the node's address: a node (or its control plane) of another directory,
# possibly started from another mount or PID namespace on the same kernel, where neither its owner file nor its
# processes are visible. The network namespace is what two nodes on one machine share, and fight over.
other_node_sockets() {
    ss -Htlun 2>/dev/null | awk -v ip="$NODE_IP" 'index($5, ip ":") == 1 {print $1, $5}' || true
}

# Waits up to NODE_WAIT_FOR_MACHINE_S (default 300) for another live node to stop; fails naming what it found.
wait_for_other_node_to_go() {
    local deadline=$((SECONDS + ${NODE_WAIT_FOR_MACHINE_S:-300})) sockets said=
    while sockets=$(other_node_sockets) && [[ -n "$sockets" ]]; do
        if ((SECONDS >= deadline)); then
            die "another node is running on this machine (listening on $NODE_IP: $(echo $sockets)); one kubelet per machine: stop it first"
        fi
        [[ -n $said ]] || { log "another node is running on this machine (listening on $NODE_IP: $(echo $sockets)); waiting up to ${NODE_WAIT_FOR_MACHINE_S:-300} s for it to stop"; said=1; }
        sleep 5
    done
}

# What a node whose processes were killed without `cluster stop` (a machine whose session ended, a SIGKILLed
# test JVM) leaves in the kernel: its bridges, service route, chains, pod namespaces and veths, cgroups and mounts.
# A new node would trip over them (the kubelet over the old pods' cgroups, kube-proxy over stale chains) and would
# record them as "the machine before". With the old node's directory in reach its own record undoes everything;
# whatever remains, or everything when that directory is in another mount namespace, goes by name.
stale_node_traces() {
    local -
    set +e +o pipefail
    local link
    for link in "$NODE_BRIDGE" "$POD_BRIDGE" nodelocaldns; do
        ip link show dev "$link" >/dev/null 2>&1 && echo "link $link"
    done
    ip -4 route show "$SERVICE_CIDR" 2>/dev/null | sed 's/^/route /'
    ip -4 route show type blackhole 2>/dev/null | grep -E "^blackhole ($NODE_LOCAL_DNS_IP|$POD_CIDR) .*metric $GUARD_METRIC" | sed 's/^/route /'
    local save
    for save in iptables-nft-save ip6tables-nft-save iptables-legacy-save ip6tables-legacy-save; do
        "$save" 2>/dev/null | grep -qE '^:(KUBE-|KUBEFORWARD-NODE|CNI-)' && echo "chains in $save"
        "$save" 2>/dev/null | grep -qE -- "^-A .*(-d|-s) ($NODE_LOCAL_DNS_IP|$KUBE_DNS_IP)(/32)? " && echo "node cache rules in $save"
    done
    ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ {print "netns " $1}'
    find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d \( -name 'kubepods*' -o -name 'kubeforward-node*' \) 2>/dev/null | sed 's/^/cgroup /'
    awk '$5 ~ /\/node\/(kubelet|containerd)(\/|$)/ {print "mount " $5}' /proc/self/mountinfo
    # The kubelet's log links and pod logs (it garbage-collects them later, which would look like a change).
    find /var/log/containers /var/log/pods -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/kubelet log /'
    # The runtime state the kubelet, containerd and the CNI plugins keep at hard-coded paths (the kubelet's
    # device-plugins socket, containerd's fifos, CNI results): recorded as "before", a stop would never remove it.
    local p
    for p in "${NODE_RUNTIME_PATHS[@]}"; do [[ -e $p ]] && echo "runtime state $p"; done
    return 0
}

clear_stale_node() {
    local dir=$1 traces owner
    traces=$(stale_node_traces)
    [[ -z "$traces" ]] && return 0
    log "a node that was not stopped left traces on this machine; removing them before recording the machine:"
    echo "$traces" | head -n 20 | sed 's/^/cluster:   /' >&2
    if [[ -f "$NODE_OWNER_FILE" ]]; then
        owner=$(cat "$NODE_OWNER_FILE")
        if [[ "$owner" != "$dir" && -f "$(node_dir "$owner")/machine-before.state" && -f "$owner/env" ]]; then
            log "undoing the side effects of the node of $owner with its own record"
            (load_env "$owner"; undo_node_side_effects "$owner") || true
        fi
    fi
    # By name, for what no record covers: processes left in the pods' cgroups, then the cgroups, mounts, network.
    local cg
    for cg in $(find /sys/fs/cgroup -mindepth 1 -type d \( -path '*/kubepods*' -o -path '*/kubeforward-node*' \) 2>/dev/null); do
        [[ -f "$cg/cgroup.procs" ]] && xargs -r kill -KILL <"$cg/cgroup.procs" 2>/dev/null || true
    done
    for cg in $(find /sys/fs/cgroup -mindepth 1 -type d \( -path '*/kubepods*' -o -path '*/kubeforward-node*' \) 2>/dev/null \
        | awk -F/ '{print NF, $0}' | sort -rn | cut -d' ' -f2-); do
        rmdir "$cg" 2>/dev/null || true
    done
    local m
    for m in $(awk '$5 ~ /\/node\/(kubelet|containerd)(\/|$)/ {print $5}' /proc/self/mountinfo | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ {print $1}'); do ip netns del "$ns" 2>/dev/null || true; done
    local link
    for link in $(ip -o link show master "$POD_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//'); do
        ip link del "$link" 2>/dev/null || true
    done
    for link in "$POD_BRIDGE" nodelocaldns "$NODE_BRIDGE"; do ip link del "$link" 2>/dev/null || true; done
    ip route del "$SERVICE_CIDR" 2>/dev/null || true
    remove_guard_routes
    remove_node_chains "$dir"
    find /var/log/containers /var/log/pods -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null || true
    local p
    for p in "${NODE_RUNTIME_PATHS[@]}"; do unmount_below "$p/"; rm -rf "$p"; done
    traces=$(stale_node_traces)
    if [[ -n "$traces" ]]; then
        log "these traces of the old node could not be removed:"
        echo "$traces" | sed 's/^/cluster:   /' >&2
        die "the machine is not clean enough for a node; remove them by hand"
    fi
    log "the old node's traces are gone"
}

release_node() {
    local dir=$1
    [[ -f "$NODE_OWNER_FILE" && "$(cat "$NODE_OWNER_FILE")" == "$dir" ]] && rm -f "$NODE_OWNER_FILE"
    return 0
}

node_processes_alive() {
    local dir=$1 name
    for name in "${NODE_COMPONENTS[@]}"; do running "$dir" "$name" && return 0; done
    return 1
}

# ---------------------------------------------------------------------------------------------------------
# network

setup_node_network() {
    ip link show dev "$NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$NODE_BRIDGE" type bridge
    # (No `| grep -q` under pipefail: grep exits at the first match and ip may die of SIGPIPE.)
    [[ "$(ip -o addr show dev "$NODE_BRIDGE")" == *" $NODE_IP/"* ]] || ip addr add "$NODE_IP/32" dev "$NODE_BRIDGE"
    ip link set "$NODE_BRIDGE" up
    ip route replace "$SERVICE_CIDR" dev "$NODE_BRIDGE"
    # While the node-local address has no interface (a power-off, a scheme being swapped) and while the pod bridge
    # does not exist (a boot, before the CNI makes it for the first pod), their packets would follow the default
    # route off the machine: a host client's queries to 169.254.20.10, a node cache's to the old pods' addresses.
    # Blackhole routes keep them here (sendto fails: no answer, as from a node that has none); the interface's local
    # route and the bridge's connected route (metric 0) win while they exist.
    ip route replace blackhole "$NODE_LOCAL_DNS_IP/32" metric "$GUARD_METRIC"
    ip route replace blackhole "$POD_CIDR" metric "$GUARD_METRIC"
    check_node_addresses_stay_here
    # Pod traffic never leaves the pod bridge by forwarding (ip_forward is on while the node runs).
    local ipt
    for ipt in iptables ip6tables; do
        "$ipt" -w -N KUBEFORWARD-NODE-FORWARD 2>/dev/null || true
        "$ipt" -w -F KUBEFORWARD-NODE-FORWARD
        "$ipt" -w -A KUBEFORWARD-NODE-FORWARD -i "$POD_BRIDGE" ! -o "$POD_BRIDGE" -j DROP
        "$ipt" -w -C FORWARD -j KUBEFORWARD-NODE-FORWARD 2>/dev/null || "$ipt" -w -I FORWARD 1 -j KUBEFORWARD-NODE-FORWARD
    done
    # Nothing from outside the machine's own ranges is forwarded into the pods either.
    iptables -w -A KUBEFORWARD-NODE-FORWARD -o "$POD_BRIDGE" ! -i "$POD_BRIDGE" ! -s 198.18.0.0/15 -j DROP
}

remove_guard_routes() {
    ip route del blackhole "$NODE_LOCAL_DNS_IP/32" metric "$GUARD_METRIC" 2>/dev/null || true
    ip route del blackhole "$POD_CIDR" metric "$GUARD_METRIC" 2>/dev/null || true
}

# No address the node's clients and caches send to is routed off the machine (a route "via" a gateway).
check_node_addresses_stay_here() {
    local addr route
    for addr in "$NODE_LOCAL_DNS_IP" "$POD_GATEWAY" "${POD_CIDR%.*}.200" "$KUBE_DNS_IP" "$NODE_IP"; do
        route=$(ip -4 route get "$addr" 2>&1 || true)
        if [[ $route == *" via "* ]]; then
            die "$addr would be routed off this machine ($route)"
        fi
    done
}

# ---------------------------------------------------------------------------------------------------------
# certificates of the node's components, signed by the cluster's CA

node_cert() {
    local pki=$1 ca=$2 name=$3 subject=$4 usage=$5 san=${6:-}
    [[ -f "$pki/$name.crt" ]] && return
    local ext=('basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' "extendedKeyUsage=$usage")
    [[ -n "$san" ]] && ext+=("subjectAltName=$san")
    openssl req -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -out "$pki/$name.csr" -subj "$subject" &&
    openssl x509 -req -in "$pki/$name.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAserial "$pki/ca.srl" -CAcreateserial \
        -days 3650 -out "$pki/$name.crt.tmp" -extfile <(printf '%s\n' "${ext[@]}") &&
    openssl rsa -in "$pki/$name.key" -traditional -out "$pki/$name.key" &&
    chmod 600 "$pki/$name.key" &&
    rm -f "$pki/$name.csr" &&
    mv "$pki/$name.crt.tmp" "$pki/$name.crt"
}

make_node_pki() {
    local dir=$1 pki
    pki="$(node_dir "$dir")/pki"
    mkdir -p "$pki"
    {
        node_cert "$pki" "$dir/pki" kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth &&
        node_cert "$pki" "$dir/pki" kubelet-serving "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME" &&
        node_cert "$pki" "$dir/pki" apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth &&
        node_cert "$pki" "$dir/pki" kube-proxy "/CN=system:kube-proxy" clientAuth
    } >>"$(node_dir "$dir")/pki.log" 2>&1 || { tail -n 20 "$(node_dir "$dir")/pki.log" >&2; die "node certificate generation failed"; }
}

node_kubeconfig() {
    local dir=$1 name=$2 pki
    pki="$(node_dir "$dir")/pki"
    write_kubeconfig "$dir" "$(node_dir "$dir")/$name.kubeconfig" "$name" \
        "    client-certificate-data: $(b64 "$pki/$name.crt")
    client-key-data: $(b64 "$pki/$name.key")"
}

# ---------------------------------------------------------------------------------------------------------
# containerd

write_containerd_config() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    mkdir -p "$nd/containerd" "$nd/cni" "$nd/cni-ipam"
    cat >"$nd/containerd.toml" <<TOML
version = 2
root = "$nd/containerd/root"
state = "$nd/containerd/state"
# Plugins that would create directories outside DIR, or that need what this machine lacks.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.opt",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$nd/containerd/containerd.sock"
[ttrpc]
  address = "$nd/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # The VM lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj (real-node-notes.md, blocker 1).
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$nd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$nd/cni"
    max_conf_num = 1
TOML
    cat >"$nd/cni/10-kubeforward-node.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "kubeforward-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$nd/cni-ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
JSON
}

containerd_ready() { ctr --address "$CONTAINERD_SOCK" version; }

start_containerd() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    running "$dir" containerd && return
    write_containerd_config "$dir"
    node_log "$dir" "starting containerd" containerd
    containerd --config "$nd/containerd.toml" --log-level warn </dev/null >>"$dir/containerd.log" 2>&1 &
    record_pid "$dir/containerd.pid" $!
    wait_ready "$dir" containerd containerd_ready
}

node_ctr() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

# ---------------------------------------------------------------------------------------------------------
# control-plane controllers, kubelet, kube-proxy

start_controller_manager() {
    local dir=$1 pki="$1/pki"
    running "$dir" kube-controller-manager && return
    node_log "$dir" "starting kube-controller-manager" kube-controller-manager
    "$BIN_DIR/kube-controller-manager" --kubeconfig="$dir/kubeconfig" \
        --authentication-kubeconfig="$dir/kubeconfig" --authorization-kubeconfig="$dir/kubeconfig" \
        --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$(node_dir "$dir")/kcm-certs" \
        --leader-elect=false --use-service-account-credentials=false \
        --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
        --service-cluster-ip-range="$SERVICE_CIDR" --cluster-cidr="$POD_CIDR" --allocate-node-cidrs=false \
        --flex-volume-plugin-dir="$(node_dir "$dir")/volume-plugins" --profiling=false \
        </dev/null >>"$dir/kube-controller-manager.log" 2>&1 &
    record_pid "$dir/kube-controller-manager.pid" $!
}

start_scheduler() {
    local dir=$1
    running "$dir" kube-scheduler && return
    node_log "$dir" "starting kube-scheduler" kube-scheduler
    "$BIN_DIR/kube-scheduler" --kubeconfig="$dir/kubeconfig" \
        --authentication-kubeconfig="$dir/kubeconfig" --authorization-kubeconfig="$dir/kubeconfig" \
        --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$(node_dir "$dir")/scheduler-certs" \
        --leader-elect=false --profiling=false \
        </dev/null >>"$dir/kube-scheduler.log" 2>&1 &
    record_pid "$dir/kube-scheduler.pid" $!
}

write_kubelet_config() {
    local dir=$1 nd pki
    nd=$(node_dir "$dir")
    pki="$nd/pki"
    mkdir -p "$nd/kubelet" "$nd/pod-logs" "$nd/volume-plugins" "$nd/manifests"
    # The resolv.conf of pods with dnsPolicy Default (kubeforward, CoreDNS): the stub upstream on the node, so
    # no query ever leaves this machine.
    printf 'nameserver %s\n' "$NODE_IP" >"$nd/resolv.conf"
    cat >"$nd/kubelet.yaml" <<YAML
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
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $dir/pki/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
# cgroups here are v1 (hybrid); the cgroupfs driver, as containerd's runc (real-node-notes.md).
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: [$NODE_LOCAL_DNS_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $nd/resolv.conf
staticPodPath: $nd/manifests
podLogsDir: $nd/pod-logs
volumePluginDir: $nd/volume-plugins
# Local images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
registerNode: true
rotateCertificates: false
serverTLSBootstrap: false
syncFrequency: 10s
fileCheckFrequency: 5s
YAML
}

kubelet_healthy() { [[ "$(curl -fsS --max-time 2 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz")" == ok ]]; }

node_ready() {
    [[ "$("$KUBECTL" --kubeconfig "$dir/kubeconfig" get node "$NODE_NAME" \
        -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

start_kubelet() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    running "$dir" kubelet && return
    write_kubelet_config "$dir"
    node_log "$dir" "starting kubelet" kubelet
    "$BIN_DIR/kubelet" --config="$nd/kubelet.yaml" --kubeconfig="$nd/kubelet-client.kubeconfig" \
        --root-dir="$nd/kubelet" --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --v=1 \
        </dev/null >>"$dir/kubelet.log" 2>&1 &
    record_pid "$dir/kubelet.pid" $!
    wait_ready "$dir" kubelet kubelet_healthy
}

write_kube_proxy_config() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    # A config file, not flags: with flags kube-proxy rewrites global conntrack sysctls (real-node-notes.md).
    cat >"$nd/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $nd/kube-proxy.kubeconfig}
mode: iptables
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
clusterCIDR: $POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]
iptables: {localhostNodePorts: false}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
oomScoreAdj: 0
YAML
}

kube_proxy_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz" >/dev/null; }

start_kube_proxy() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    running "$dir" kube-proxy && return
    write_kube_proxy_config "$dir"
    node_log "$dir" "starting kube-proxy" kube-proxy
    "$BIN_DIR/kube-proxy" --config="$nd/kube-proxy.yaml" --v=1 </dev/null >>"$dir/kube-proxy.log" 2>&1 &
    record_pid "$dir/kube-proxy.pid" $!
}

# The upstream for every name outside the cluster: CoreDNS on the node IP, answering every name under EXTERNAL_ZONE
# and NXDOMAIN for the rest. kube-dns and the node-local caches forward "." to it (the kubelet's resolvConf names it).
start_stub_dns() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    running "$dir" stub-dns && return
    cat >"$nd/stub.Corefile" <<COREFILE
$EXTERNAL_ZONE:53 {
    bind $NODE_IP
    template IN A $EXTERNAL_ZONE {
        answer "{{ .Name }} 30 IN A $EXTERNAL_ADDRESS"
    }
}
.:53 {
    bind $NODE_IP
    template ANY ANY {
        rcode NXDOMAIN
    }
}
COREFILE
    node_log "$dir" "starting the stub DNS upstream" stub-dns
    "$COREDNS_BIN" -conf "$nd/stub.Corefile" -quiet </dev/null >>"$dir/stub-dns.log" 2>&1 &
    record_pid "$dir/stub-dns.pid" $!
    wait_ready "$dir" stub-dns dig +time=1 +tries=1 +short "@$NODE_IP" "$EXTERNAL_NAME"
}

# ---------------------------------------------------------------------------------------------------------
# stopping the node and undoing what it did to the machine. Safe to run twice and after a crash.

# Kills every container of the node (their processes first, so nothing restarts them), then containerd.
kill_node_containers() {
    local dir=$1 nd pid
    nd=$(node_dir "$dir")
    # The shims' command lines name neither DIR nor the socket: find them by the runc root / state they use.
    for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $nd/" 2>/dev/null); do
        pkill -KILL -P "$pid" 2>/dev/null || true
    done
    if running "$dir" containerd; then
        local task
        for task in $(node_ctr tasks ls -q 2>/dev/null); do node_ctr tasks kill -s KILL "$task" >/dev/null 2>&1 || true; done
    fi
    stop_process "$dir" containerd TERM 10
    for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $nd/" 2>/dev/null); do
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    done
}

# Unmounts everything below PREFIX, deepest first.
unmount_below() {
    local prefix=$1 m
    for _ in 1 2 3; do
        local mounts
        mounts=$(awk -v p="$prefix" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)
        [[ -z "$mounts" ]] && return 0
        for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    done
}

remove_node_cgroups() {
    local before=$1 d
    # Deepest first; only directories that did not exist before the node started.
    for d in $(find /sys/fs/cgroup -mindepth 2 -type d 2>/dev/null | awk -F/ '{print NF, $0}' | sort -rn | cut -d' ' -f2-); do
        grep -qxF "$d" "$before" && continue
        case $d in
            */kubepods*|*/libpod_parent*|*/kubeforward-node*) rmdir "$d" 2>/dev/null || true ;;
        esac
    done
}

remove_new_paths() {
    local before=$1 p
    for p in "${NODE_OUTSIDE_PATHS[@]}"; do
        if [[ -e $p || -L $p ]] && ! grep -qxF "$p" "$before"; then
            unmount_below "$p/"
            rm -rf "$p"
        elif [[ -d $p ]]; then
            # Existed before: remove only what appeared inside it.
            local q
            for q in $(find "$p" -mindepth 1 -maxdepth 2 2>/dev/null | sort -r); do
                grep -qxF "$q" "$before" && continue
                unmount_below "$q/"
                umount "$q" 2>/dev/null || true
                rm -rf "$q"
            done
        fi
    done
}

# iptables chains of the node: kube-proxy's (its own --cleanup), the kubelet's KUBE-*, ours; both families, both
# backends (the legacy one only if it has tables).
remove_node_chains() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    if [[ -f "$nd/kube-proxy.yaml" ]]; then
        "$BIN_DIR/kube-proxy" --config="$nd/kube-proxy.yaml" --cleanup >>"$dir/kube-proxy.log" 2>&1 || true
    fi
    local save restore
    for save in iptables-nft-save ip6tables-nft-save iptables-legacy-save ip6tables-legacy-save; do
        restore=${save/-save/-restore}
        local ipt=${save%-save}
        "$save" >/dev/null 2>&1 || continue
        local table chain
        for table in $("$save" 2>/dev/null | sed -n 's/^\*//p'); do
            local chains
            chains=$("$save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\|KUBEFORWARD-NODE[^ ]*\|CNI-[^ ]*\) .*/\1/p')
            [[ -z "$chains" ]] && continue
            # Delete every rule that jumps to one of them from a base chain, then flush and delete them.
            local rule
            while read -r rule; do
                [[ -z "$rule" ]] && continue
                eval "$ipt -w -t $table ${rule/-A /-D }" 2>/dev/null || true
            done < <("$save" -t "$table" 2>/dev/null | grep -E '^-A ' | grep -E -- "-j (KUBE-|KUBEFORWARD-NODE|CNI-)" \
                | grep -vE '^-A (KUBE-|KUBEFORWARD-NODE|CNI-)')
            for chain in $chains; do "$ipt" -w -t "$table" -F "$chain" 2>/dev/null || true; done
            for chain in $chains; do "$ipt" -w -t "$table" -X "$chain" 2>/dev/null || true; done
        done
        # Rules a node cache puts straight into base chains (node-local-dns's NOTRACK and ACCEPT rules for its
        # addresses, kubeforward's iptables backend likewise): gone with the power, or left when a cache was
        # killed without its teardown.
        for table in $("$save" 2>/dev/null | sed -n 's/^\*//p'); do
            while read -r rule; do
                [[ -z "$rule" ]] && continue
                eval "$ipt -w -t $table ${rule/-A /-D }" 2>/dev/null || true
            done < <("$save" -t "$table" 2>/dev/null | grep -E '^-A ' \
                | grep -E -- "(-d|-s) ($NODE_LOCAL_DNS_IP|$KUBE_DNS_IP)(/32)? " || true)
        done
    done
}

# nft tables and base chains that the node's iptables-nft calls created on an empty ruleset; nfacct objects.
remove_new_nft_and_nfacct() {
    local before=$1
    local family table
    while read -r family table; do
        [[ -z "$table" ]] && continue
        grep -qxF "table $family $table {" "$before" && continue
        nft delete table "$family" "$table" 2>/dev/null || true
    done < <(nft list tables 2>/dev/null | awk '{print $2, $3}')
    # Base chains added to tables that existed before, left empty.
    while read -r family table; do
        [[ -z "$table" ]] && continue
        local chain
        for chain in $(nft -a list table "$family" "$table" 2>/dev/null | sed -n 's/^\tchain \([^ ]*\) {.*/\1/p'); do
            grep -qF "chain $chain {" "$before" && continue
            nft delete chain "$family" "$table" "$chain" 2>/dev/null || true
        done
    done < <(nft list tables 2>/dev/null | awk '{print $2, $3}')
    local name
    for name in $(nfacct list 2>/dev/null | sed -n 's/.*} = \([^;]*\);.*/\1/p'); do
        grep -qF "} = $name;" "$before" && continue
        nfacct del "$name" 2>/dev/null || true
    done
}

restore_sysctls() {
    local nd=$1 line
    [[ -f "$nd/sysctls-before" ]] || return 0
    while IFS= read -r line; do
        [[ -n "$line" ]] && sysctl -qw "$line" >/dev/null 2>&1 || true
    done <"$nd/sysctls-before"
}

# The pods' network: sandboxes' namespaces, veths, the pod bridge, the local cache's interface, conntrack entries.
# With ALL also the node IP's bridge and the service route (they stay across a reboot: the API server and the stub
# upstream, which stand for machines elsewhere, listen there).
remove_node_network() {
    local before=$1 all=${2:-} ns
    # Pod sandboxes' network namespaces (CNI names them cni-...) that did not exist before.
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ $ns == cni-* ]] || continue
        grep -qx "$ns.*" "$before" && continue
        ip netns del "$ns" 2>/dev/null || true
    done
    local link links="$POD_BRIDGE nodelocaldns"
    [[ -n $all ]] && links+=" $NODE_BRIDGE"
    for link in $links; do
        ip link show dev "$link" >/dev/null 2>&1 || continue
        grep -qxF "$link" "$before" && continue
        ip link del "$link" 2>/dev/null || true
    done
    # veth ends of pods whose namespace went first.
    for link in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//'); do
        [[ $link == veth* ]] || continue
        grep -qxF "$link" "$before" && continue
        ip link del "$link" 2>/dev/null || true
    done
    if [[ -n $all ]]; then
        ip route del "$SERVICE_CIDR" 2>/dev/null || true
        remove_guard_routes
    fi
    conntrack -D -s "${POD_CIDR%.*}.0/16" >/dev/null 2>&1 || true
    conntrack -D -d "${POD_CIDR%.*}.0/16" >/dev/null 2>&1 || true
    conntrack -D -d "$NODE_LOCAL_DNS_IP" >/dev/null 2>&1 || true
    conntrack -D -s "$NODE_LOCAL_DNS_IP" >/dev/null 2>&1 || true
}

# Everything on the node goes, as at a power-off: processes, containers, mounts, network, chains. The control
# plane (etcd, kube-apiserver, controller-manager, scheduler) and the stub upstream stay unless the caller stops
# them too (stop_control_plane_extras).
stop_node_components() {
    local dir=$1 nd
    nd=$(node_dir "$dir")
    [[ -f "$nd/machine-before.state" ]] || return 0
    stop_process "$dir" kube-proxy TERM 5
    stop_process "$dir" kubelet TERM 5
    kill_node_containers "$dir"
    unmount_below "$nd/"
    unmount_below "/run/containerd/"
    # What lives in /run on a real node is gone after a power-off: containerd's and runc's state.
    rm -rf "$nd/containerd/state" "$nd/runc"
    remove_node_network "$nd/machine-before.state"
    remove_node_chains "$dir"
}

# After a node start: undo every side effect, then compare the machine with the record.
undo_node_side_effects() {
    local dir=$1 nd before
    nd=$(node_dir "$dir")
    before="$nd/machine-before.state"
    [[ -f "$before" ]] || return 0
    stop_process "$dir" kube-scheduler TERM 5
    stop_process "$dir" kube-controller-manager TERM 5
    stop_process "$dir" stub-dns TERM 5
    stop_node_components "$dir"
    remove_node_network "$before" all
    remove_new_nft_and_nfacct "$before"
    remove_node_cgroups "$before"
    remove_new_paths "$before"
    restore_sysctls "$nd"
    release_node "$dir"
}

# ---------------------------------------------------------------------------------------------------------
# starting the node (also after stop-node: a boot, with or without the API server)

api_reachable() { apiserver_ready; }

write_node_images_env() {
    local dir=$1 name
    for name in PAUSE_IMAGE COREDNS_IMAGE NODELOCALDNS_IMAGE TOOLS_IMAGE; do
        sed -i "/^export $name=/d" "$dir/env"
        echo "export $name=${!name}" >>"$dir/env"
    done
    sed -i '/^export COREDNS_BIN=/d' "$dir/env"
    echo "export COREDNS_BIN=$COREDNS_BIN" >>"$dir/env"
}

start_node() {
    local dir=$1 start=$SECONDS
    make_node_pki "$dir"
    node_kubeconfig "$dir" kubelet-client
    node_kubeconfig "$dir" kube-proxy
    COREDNS_BIN=$(coredns_binary) || die "building CoreDNS failed"
    node_images
    start_containerd "$dir"
    local archive
    for archive in "$PAUSE_ARCHIVE" "$COREDNS_ARCHIVE" "$NODELOCALDNS_ARCHIVE" "$TOOLS_ARCHIVE"; do
        import_image "$archive"
    done
    write_node_images_env "$dir"
    # The controllers are the control plane's and the stub is the world outside: a reboot of the node keeps them.
    start_stub_dns "$dir"
    if api_reachable; then
        start_controller_manager "$dir"
        start_scheduler "$dir"
    fi
    start_kubelet "$dir"
    start_kube_proxy "$dir"
    if api_reachable; then
        # kube-proxy reports healthy once it has synced the rules, which needs the API server.
        wait_ready "$dir" kube-proxy kube_proxy_healthy
        wait_ready "$dir" kubelet node_ready
        log "node $NODE_NAME Ready ($NODE_IP) after $((SECONDS - start)) s"
    else
        log "node $NODE_NAME started without an API server ($((SECONDS - start)) s)"
    fi
}

deploy_kube_dns() {
    local dir=$1
    sed -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@KUBE_DNS_IP@|$KUBE_DNS_IP|g" \
        -e "s|@CLUSTER_DOMAIN@|$CLUSTER_DOMAIN|g" "$HERE/node/manifests/kube-dns.yaml" \
        | "$KUBECTL" --kubeconfig "$dir/kubeconfig" apply -f - >/dev/null
    local deadline=$((SECONDS + 180))
    until [[ "$("$KUBECTL" --kubeconfig "$dir/kubeconfig" -n kube-system get deployment coredns \
        -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" == 3 ]]; do
        ((SECONDS < deadline)) || { "$KUBECTL" --kubeconfig "$dir/kubeconfig" -n kube-system get pods -o wide >&2; die "kube-dns not ready after 180 s"; }
        sleep 1
    done
    log "kube-dns: 3 CoreDNS pods ready behind $KUBE_DNS_IP"
}
