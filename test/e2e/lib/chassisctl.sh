#!/usr/bin/env bash
# ipmi_sim chassis_control hook for one fake compute host of the e2e cloud,
# and the host's power switch (cloud.sh power HOST on|off uses it directly,
# "behind the BMC's back").
#
# ipmi_sim runs:  chassisctl.sh STATE_DIR HOST get power       -> prints power:1 or power:0
#                 chassisctl.sh STATE_DIR HOST set power 0|1
#                 chassisctl.sh STATE_DIR HOST set reset 1
#
# The host is everything in its network namespace (lib/hostnet.sh): power
# on "boots" it — the relays to the control plane, nova-compute, then the
# host's boot script STATE/hosts/HOST/boot if there is one (make chaos puts
# lazarus-hostmonitor and lazarus-processmonitor there, as systemd would
# start them) — and power off SIGKILLs every process in the namespace, so a
# power cut is a real, Nova-visible host death that takes the host's
# monitors with it. The power state is the BMC's own (run/HOST.power), not
# whether nova-compute runs: a crashed nova-compute on a powered host reads
# "on", as on real hardware. A non-zero exit makes ipmi_sim fail the command.
set -euo pipefail

state=$1
host=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=$state/run
LOGS=$state/logs
pidfile="$RUN/$host.pid"
powerfile="$RUN/$host.power"
log="$LOGS/$host.log"

# shellcheck source=lib/proc.sh
. "$here/proc.sh"
# shellcheck source=lib/hostnet.sh
. "$here/hostnet.sh"

# Who pressed the button: the BMC (ipmi_sim, i.e. an IPMI command such as
# a fence) or the host's power switch (cloud.sh power, "behind the BMC's
# back"). make chaos reads these lines to tell a fence from a power cut.
by=${LAZARUS_E2E_POWER_BY:-bmc}

powered() { [ "$(cat "$powerfile" 2>/dev/null || echo 0)" = 1 ]; }

power_on() {
	if powered && pidfile_alive "$pidfile"; then return 0; fi
	printf '%s chassisctl: power on %s (by %s)\n' "$(date -u +%FT%T.%3NZ)" "$host" "$by" >>"$log"
	echo 1 >"$powerfile"
	# A nova-compute left from before (a crash restart, an older cloud.sh
	# that ran it outside the namespace) is stopped first: one per host.
	if pidfile_alive "$pidfile"; then
		kill -KILL -- "-$(pidfile_pid "$pidfile")" 2>/dev/null || kill -KILL "$(pidfile_pid "$pidfile")" 2>/dev/null || true
	fi
	host_kill_all "$host"
	host_net_up "$host" >>"$log" 2>&1
	host_relays_up "$host"
	# The per-host path makes the host's nova-compute recognisable in a
	# process list that shows every host's processes (one machine).
	mkdir -p "$state/hosts/$host/bin"
	ln -sf "$here/compute.py" "$state/hosts/$host/bin/nova-compute"
	setsid ip netns exec "$(host_ns "$host")" /usr/bin/python3 "$state/hosts/$host/bin/nova-compute" \
		"$state/etc/nova/nova.conf" "$state/etc/nova/$host.conf" >>"$log" 2>&1 </dev/null &
	pidfile_write "$pidfile" "$!"
	if [ -x "$state/hosts/$host/boot" ]; then
		setsid ip netns exec "$(host_ns "$host")" "$state/hosts/$host/boot" >>"$log" 2>&1 </dev/null &
	fi
}

power_off() {
	printf '%s chassisctl: power off %s (by %s; SIGKILL everything in netns %s)\n' \
		"$(date -u +%FT%T.%3NZ)" "$host" "$by" "$(host_ns "$host")" >>"$log"
	echo 0 >"$powerfile"
	host_kill_all "$host"
}

case "${1:-} ${2:-}" in
"get power")
	if powered; then echo "power:1"; else echo "power:0"; fi
	;;
"set power")
	case "${3:-}" in
	0) power_off ;;
	1) power_on ;;
	*) exit 1 ;;
	esac
	;;
"set reset")
	power_off
	power_on
	;;
*)
	exit 1
	;;
esac
