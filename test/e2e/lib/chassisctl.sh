#!/usr/bin/env bash
# ipmi_sim chassis_control hook for one fake compute host of the e2e cloud.
#
# ipmi_sim runs:  chassisctl.sh STATE_DIR HOST get power       -> prints power:1 or power:0
#                 chassisctl.sh STATE_DIR HOST set power 0|1
#                 chassisctl.sh STATE_DIR HOST set reset 1
# Power off SIGKILLs the host's nova-compute process group and nothing brings
# it back until power on starts it again, so an IPMI power cut is a real,
# Nova-visible host death. "get power" reports whether that process runs.
# A non-zero exit makes ipmi_sim fail the IPMI command.
set -euo pipefail

state=$1
host=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pidfile="$state/run/$host.pid"
log="$state/logs/$host.log"

# shellcheck source=lib/proc.sh
. "$here/proc.sh"

power_on() {
	if pidfile_alive "$pidfile"; then return 0; fi
	printf '%s chassisctl: power on %s\n' "$(date -u +%FT%T.%3NZ)" "$host" >>"$log"
	setsid /usr/bin/python3 "$here/compute.py" "$state/etc/nova/nova.conf" \
		"$state/etc/nova/$host.conf" >>"$log" 2>&1 </dev/null &
	pidfile_write "$pidfile" "$!"
}

power_off() {
	local pid
	if pidfile_alive "$pidfile"; then
		pid=$(pidfile_pid "$pidfile")
		printf '%s chassisctl: power off %s (SIGKILL pgid %s)\n' "$(date -u +%FT%T.%3NZ)" "$host" "$pid" >>"$log"
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			pidfile_alive "$pidfile" || return 0
			sleep 0.02
		done
		return 1
	fi
}

case "${1:-} ${2:-}" in
"get power")
	if pidfile_alive "$pidfile"; then echo "power:1"; else echo "power:0"; fi
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
