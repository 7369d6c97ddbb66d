# shellcheck shell=bash
# The compute hosts' networks, shared by cloud.sh and chassisctl.sh.
#
# Each fake compute host runs in its own network namespace, lze2e-HOST, with
# two links, as a real compute node has:
#
#   mgmt0  10.250.0.(10+N)/24   management: RabbitMQ, Keystone, Placement, Nova,
#                               Lazarus's broker, and memberlist's "mgmt" ring
#   stor0  10.251.0.(10+N)/24   storage: memberlist's "storage" ring only
#
# Both are veth pairs whose other ends are ports of the bridges br-mgmt and
# br-stor in the namespace lze2e-net, the "switches" (which also hold the
# gateway addresses 10.250.0.1 and 10.251.0.1). Cutting a link is setting its
# switch port down: the host sees NO-CARRIER and every packet is lost, as
# when a cable or a switch port dies.
#
# The control plane stays in the root namespace on 127.0.0.1 (the machine's
# rule: no address outside 127.0.0.0/8 outside namespaces of our own). Each
# host reaches it through relays that ride its management link:
#
#   host ns  127.0.0.1:P  --socat-->  10.250.0.1:P (over mgmt0 and br-mgmt)
#   net ns   10.250.0.1:P --socat-->  unix socket run/relay/P.sock
#   root ns  unix socket  --socat-->  127.0.0.1:P
#
# so a service configured with 127.0.0.1:P works unchanged on a host, and
# loses its control plane when the host's management link is cut.
#
# Needs: HERE, STATE, RUN, LOGS; and proc.sh sourced.

NET_NS=lze2e-net
MGMT_PREFIX=10.250.0
STOR_PREFIX=10.251.0
MGMT_GW=$MGMT_PREFIX.1
STOR_GW=$STOR_PREFIX.1

# Control-plane ports a compute host uses: Keystone, Placement, Glance,
# Neutron, Nova API, the cloud's RabbitMQ (Nova), Lazarus's RabbitMQ (the
# monitors' broker), and MariaDB (Zed's nova-compute opens the shared
# nova.conf's [database] at start, as it did before it had a namespace).
RELAY_PORTS=(15000 18778 19292 19696 18774 15772 15774 3306)

host_ns() { printf 'lze2e-%s' "$1"; }

# host_index HOST: N of compute-N.
host_index() { printf '%s' "${1##*-}"; }

host_mgmt_ip() { printf '%s.%s' "$MGMT_PREFIX" "$((10 + $(host_index "$1")))"; }
host_stor_ip() { printf '%s.%s' "$STOR_PREFIX" "$((10 + $(host_index "$1")))"; }

ns_exists() { [ -e "/run/netns/$1" ]; }

# net_switch_up: the switch namespace with both bridges (idempotent).
net_switch_up() {
	if ! ns_exists "$NET_NS"; then ip netns add "$NET_NS"; fi
	ip -n "$NET_NS" link set lo up
	local br addr
	for br in br-mgmt br-stor; do
		if ! ip -n "$NET_NS" link show "$br" >/dev/null 2>&1; then
			ip -n "$NET_NS" link add "$br" type bridge
		fi
		# No STP, no forwarding delay: a port is usable as soon as it is up.
		ip -n "$NET_NS" link set "$br" type bridge stp_state 0 forward_delay 0
		case $br in br-mgmt) addr=$MGMT_GW ;; *) addr=$STOR_GW ;; esac
		ip -n "$NET_NS" addr replace "$addr/24" dev "$br"
		ip -n "$NET_NS" link set "$br" up
	done
}

# host_net_up HOST: HOST's namespace and its two links, up (idempotent).
host_net_up() {
	local host=$1 ns n
	ns=$(host_ns "$host")
	n=$(host_index "$host")
	if ! ns_exists "$ns"; then ip netns add "$ns"; fi
	ip -n "$ns" link set lo up
	local link port br ip
	for link in mgmt0 stor0; do
		case $link in
		mgmt0) port=m$n br=br-mgmt ip=$(host_mgmt_ip "$host") ;;
		*) port=s$n br=br-stor ip=$(host_stor_ip "$host") ;;
		esac
		if ! ip -n "$ns" link show "$link" >/dev/null 2>&1; then
			ip -n "$NET_NS" link del "$port" 2>/dev/null || true
			ip -n "$NET_NS" link add "$port" type veth peer name "$link" netns "$ns"
		fi
		ip -n "$NET_NS" link set "$port" master "$br" up
		ip -n "$ns" addr replace "$ip/24" dev "$link"
		ip -n "$ns" link set "$link" up
	done
}

# host_link HOST mgmt|storage up|down: plug or unplug one of HOST's links
# at the switch.
host_link() {
	local host=$1 which=$2 state=$3 n
	n=$(host_index "$host")
	case $which in
	mgmt) ip -n "$NET_NS" link set "m$n" "$state" ;;
	storage) ip -n "$NET_NS" link set "s$n" "$state" ;;
	*) return 2 ;;
	esac
	printf '%s hostnet: %s link %s %s\n' "$(date -u +%FT%T.%3NZ)" "$host" "$which" "$state" >>"$LOGS/$host.log"
}

# host_links_up HOST: both links plugged in.
host_links_up() {
	host_link "$1" mgmt up
	host_link "$1" storage up
}

# relay_root_up: the root-namespace end of every relay (unix socket ->
# 127.0.0.1:P), and the switch-namespace end (10.250.0.1:P -> unix socket).
# Each is one socat process recorded in run/ like every other service.
relay_root_up() {
	local p
	mkdir -p "$RUN/relay"
	for p in "${RELAY_PORTS[@]}"; do
		if ! pidfile_alive "$RUN/relay-root-$p.pid"; then
			rm -f "$RUN/relay/$p.sock"
			setsid socat "UNIX-LISTEN:$RUN/relay/$p.sock,fork,mode=600" "TCP:127.0.0.1:$p" \
				>>"$LOGS/relay.log" 2>&1 </dev/null &
			pidfile_write "$RUN/relay-root-$p.pid" "$!"
		fi
		if ! pidfile_alive "$RUN/relay-net-$p.pid"; then
			setsid ip netns exec "$NET_NS" socat "TCP-LISTEN:$p,bind=$MGMT_GW,fork,reuseaddr" \
				"UNIX-CONNECT:$RUN/relay/$p.sock" >>"$LOGS/relay.log" 2>&1 </dev/null &
			pidfile_write "$RUN/relay-net-$p.pid" "$!"
		fi
	done
}

# host_relays_up HOST: the host end of every relay (127.0.0.1:P in HOST's
# namespace -> 10.250.0.1:P over its management link). Part of the host's
# "boot": a power cut kills them with everything else in the namespace.
host_relays_up() {
	local host=$1 ns p
	ns=$(host_ns "$host")
	for p in "${RELAY_PORTS[@]}"; do
		setsid ip netns exec "$ns" socat "TCP-LISTEN:$p,bind=127.0.0.1,fork,reuseaddr" \
			"TCP:$MGMT_GW:$p,connect-timeout=5" >>"$LOGS/$host.relay.log" 2>&1 </dev/null &
	done
}

# host_kill_all HOST: SIGKILL every process in HOST's namespace, until none
# is left (what a power cut does to a real host).
host_kill_all() {
	local ns pids
	ns=$(host_ns "$1")
	ns_exists "$ns" || return 0
	for _ in $(seq 1 100); do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $pids 2>/dev/null || true
		sleep 0.02
	done
	return 1
}

# net_down_all: remove every namespace (and so every veth) this file made.
net_down_all() {
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in lze2e-*) ip netns del "$ns" 2>/dev/null || true ;; esac
	done
}
