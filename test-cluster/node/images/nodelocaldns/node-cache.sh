#!/bin/sh
# node-cache's node setup around CoreDNS, for the standard node-local-dns scheme on the test node (the node-cache
# binary itself, module k8s.io/dns, is not served by the Go module proxy here). It does what
# kubernetes/dns cmd/node-cache does with its default flags, in the same order:
#   - at start: the interface holding the local IPs (a dummy link; this kernel has none, so an empty bridge, as
#     kubeforward does), then CoreDNS with the Corefile;
#   - every SYNC_INTERVAL (60 s; the first time after one interval, as node-cache without -pidfile): the NOTRACK
#     and ACCEPT rules for every local IP, prepended, and the interface, re-created if missing;
#   - on SIGTERM/SIGINT (caddy's OnProcessExit): unless SKIP_TEARDOWN, the interface is removed, then the rules;
#     CoreDNS goes at once (node-local-dns's Corefile has no lameduck).
# Arguments as node-cache: -localip IP[,IP...] -conf FILE [-interfacename NAME] [-syncinterval SECONDS]
# [-health-port PORT] [-skipteardown] [-setupiptables=false] [-setupinterface=false].
set -u

LOCAL_IPS=""
CONF=/etc/Corefile
INTERFACE=nodelocaldns
SYNC_INTERVAL=60
HEALTH_PORT=8080
DNS_PORT=53
SKIP_TEARDOWN=false
SETUP_IPTABLES=true
SETUP_INTERFACE=true
while [ $# -gt 0 ]; do
    case $1 in
        -localip) LOCAL_IPS=$2; shift 2 ;;
        -conf) CONF=$2; shift 2 ;;
        -interfacename) INTERFACE=$2; shift 2 ;;
        -syncinterval) SYNC_INTERVAL=${2%s}; shift 2 ;;
        -health-port) HEALTH_PORT=$2; shift 2 ;;
        -skipteardown) SKIP_TEARDOWN=true; shift ;;
        -setupiptables=false) SETUP_IPTABLES=false; shift ;;
        -setupinterface=false) SETUP_INTERFACE=false; shift ;;
        *) echo "node-cache.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$LOCAL_IPS" ] || { echo "node-cache.sh: -localip is required" >&2; exit 2; }
IPS=$(echo "$LOCAL_IPS" | tr ',' ' ')

say() { echo "[node-cache] $*"; }

ensure_interface() {
    [ "$SETUP_INTERFACE" = true ] || return 0
    if ! ip link show dev "$INTERFACE" >/dev/null 2>&1; then
        ip link add "$INTERFACE" type dummy 2>/dev/null || ip link add "$INTERFACE" type bridge
        say "Added interface - $INTERFACE"
    fi
    for ip in $IPS; do
        ip -o addr show dev "$INTERFACE" | grep -qF " $ip/" || ip addr add "$ip/32" dev "$INTERFACE"
    done
    ip link set "$INTERFACE" up
}

# The rules of node-cache's initIptables, per local IP: table, chain, match.
rules() {
    for ip in $IPS; do
        for proto in tcp udp; do
            echo "raw PREROUTING -p $proto -d $ip --dport $DNS_PORT -j NOTRACK"
            echo "filter INPUT -p $proto -d $ip --dport $DNS_PORT -j ACCEPT"
            echo "raw OUTPUT -p $proto -s $ip --sport $DNS_PORT -j NOTRACK"
            echo "filter OUTPUT -p $proto -s $ip --sport $DNS_PORT -j ACCEPT"
            echo "raw OUTPUT -p $proto -d $ip --dport $DNS_PORT -j NOTRACK"
        done
        echo "raw OUTPUT -p tcp -d $ip --dport $HEALTH_PORT -j NOTRACK"
        echo "raw OUTPUT -p tcp -s $ip --sport $HEALTH_PORT -j NOTRACK"
    done
}

ensure_rules() {
    [ "$SETUP_IPTABLES" = true ] || return 0
    rules | while read -r table chain match; do
        # shellcheck disable=SC2086
        iptables -w -t "$table" -C "$chain" $match 2>/dev/null || { iptables -w -t "$table" -I "$chain" $match && say "Added back nodelocaldns rule - $table $chain $match"; }
    done
}

teardown() {
    say "Tearing down"
    if [ "$SETUP_INTERFACE" = true ]; then ip link del "$INTERFACE" 2>/dev/null; fi
    if [ "$SETUP_IPTABLES" = true ]; then
        rules | while read -r table chain match; do
            # shellcheck disable=SC2086
            while iptables -w -t "$table" -D "$chain" $match 2>/dev/null; do :; done
        done
    fi
}

on_signal() {
    [ "$SKIP_TEARDOWN" = true ] || teardown
    kill -KILL "$COREDNS" 2>/dev/null
    exit 0
}

ensure_interface
/coredns -conf "$CONF" &
COREDNS=$!
trap on_signal TERM INT
while kill -0 "$COREDNS" 2>/dev/null; do
    sleep "$SYNC_INTERVAL" &
    wait $! 2>/dev/null
    kill -0 "$COREDNS" 2>/dev/null || break
    ensure_rules
    ensure_interface
done
say "CoreDNS exited, tearing down"
[ "$SKIP_TEARDOWN" = true ] || teardown
exit 1
