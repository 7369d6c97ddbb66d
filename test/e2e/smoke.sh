#!/usr/bin/env bash
# Proves the e2e cloud works by itself, with Nova alone (no Lazarus):
#   1. cloud.sh up (idempotent) and all three computes up;
#   2. boot servers pinned to compute-1, some with HA_Enabled=True;
#   3. power compute-1 off through its BMC (ipmitool, lanplus, cipher suite 3)
#      and confirm its nova-compute process is gone;
#   4. force the nova-compute service of compute-1 down (microversion 2.53);
#   5. evacuate every server with Nova's own API and see each ACTIVE on another host;
#   6. power compute-1 back on, lift the forced-down flag, see the service up;
#   7. delete the servers.
# Prints a timeline with timings. Exits non-zero on the first failed check.
#
# SMOKE_SERVERS (default 6) servers are booted; every other one gets
# HA_Enabled=True.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${LAZARUS_E2E_STATE_DIR:-$HERE/.state}
N=${SMOKE_SERVERS:-6}
VICTIM=compute-1
PREFIX=smoke-$$
# shellcheck source=lib/proc.sh
. "$HERE/lib/proc.sh"

log() { printf '[smoke %s] %s\n' "$(date -u +%T)" "$*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

TIMELINE=()
mark() { # mark LABEL SECONDS
	TIMELINE+=("$(printf '%-44s %8s s' "$1" "$2")")
	log "$1: $2 s"
}

t=$(now)
"$HERE/cloud.sh" up
mark "setup (cloud.sh up)" "$(since "$t")"

# shellcheck disable=SC1091
. "$STATE/openrc"
export OS_COMPUTE_API_VERSION=2.53

ids=()
cleanup() {
	if [ "${#ids[@]}" -gt 0 ]; then
		log "deleting ${#ids[@]} servers"
		openstack server delete "${ids[@]}" >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

# servers_json: id, status, host and task state of this run's servers.
servers_json() {
	openstack server list --all-projects --long --name "^$PREFIX-" -f json |
		jq -c '[.[] | {id: .ID, name: .Name, status: .Status, host: .Host, task: ."Task State"}]'
}

# wait_servers SECONDS JQ_FILTER: until every server satisfies the jq filter;
# fails at once if one goes to ERROR.
wait_servers() {
	local secs=$1 filter=$2 t0 js
	t0=$(date +%s)
	while :; do
		js=$(servers_json)
		if [ "$(jq 'length' <<<"$js")" -eq "$N" ] && jq -e "all(.[]; $filter)" <<<"$js" >/dev/null; then
			return 0
		fi
		if jq -e 'any(.[]; .status == "ERROR")' <<<"$js" >/dev/null; then
			jq . <<<"$js" >&2
			fail "a server went to ERROR"
		fi
		if [ $(($(date +%s) - t0)) -ge "$secs" ]; then
			jq . <<<"$js" >&2
			fail "servers not ($filter) within ${secs}s"
		fi
		sleep 0.5
	done
}

compute_state() { # compute_state HOST: "<status> <state> <forced_down>" of its nova-compute.
	openstack compute service list --service nova-compute --host "$1" -f json |
		jq -r '.[0] | "\(.Status) \(.State) \(."Forced Down")"'
}

log "compute services:"
openstack compute service list --service nova-compute -f value -c Host -c Status -c State >&2
up=$(openstack compute service list --service nova-compute -f json | jq '[.[] | select(.State == "up")] | length')
[ "$up" -ge 3 ] || fail "only $up nova-compute services up"

# 2. Boot, pinned to compute-1.
t=$(now)
pids=()
for i in $(seq 1 "$N"); do
	props=()
	if [ $((i % 2)) -eq 1 ]; then props=(--property HA_Enabled=True); fi
	openstack server create --flavor e2e.tiny --image e2e-raw --nic none \
		--availability-zone "nova:$VICTIM" "${props[@]}" -f value -c id "$PREFIX-$i" >"$STATE/smoke-$i.id" &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || fail "server create failed"; done
for i in $(seq 1 "$N"); do ids+=("$(cat "$STATE/smoke-$i.id")"); done
mark "create calls for $N servers returned" "$(since "$t")"
wait_servers 180 ".status == \"ACTIVE\" and .host == \"$VICTIM\""
mark "boot: all $N ACTIVE on $VICTIM" "$(since "$t")"
ha=$(for id in "${ids[@]}"; do openstack server show "$id" -f json -c properties | jq -r '.properties.HA_Enabled // empty'; done | grep -c True || true)
log "$ha of $N servers carry HA_Enabled=True"
[ "$ha" -eq $(((N + 1) / 2)) ] || fail "expected $(((N + 1) / 2)) servers with HA_Enabled=True, saw $ha"

# 3. Power off through the BMC.
pidfile=$STATE/run/$VICTIM.pid
pidfile_alive "$pidfile" || fail "$VICTIM's nova-compute is not running before power off"
pid=$(pidfile_pid "$pidfile")
t_off=$(now)
"$HERE/cloud.sh" ipmi "$VICTIM" chassis power off >&2
mark "ipmitool chassis power off returned" "$(since "$t_off")"
status=$("$HERE/cloud.sh" ipmi "$VICTIM" chassis power status)
[ "$status" = "Chassis Power is off" ] || fail "BMC says '$status' after power off"
gone=""
for _ in $(seq 1 100); do
	if ! pidfile_alive "$pidfile"; then
		gone=1
		break
	fi
	sleep 0.05
done
[ -n "$gone" ] || fail "$VICTIM's nova-compute (pid $pid) still runs after power off"
mark "power off -> nova-compute process gone" "$(since "$t_off")"

# 4. Force the service down (Nova refuses to evacuate while it looks up).
t=$(now)
openstack compute service set --down "$VICTIM" nova-compute
read -r _ state forced <<<"$(compute_state "$VICTIM")"
if [ "$state" != "down" ] || [ "$forced" != "True" ]; then
	fail "$VICTIM not forced down: state=$state forced=$forced"
fi
mark "force down -> service reported down" "$(since "$t")"

# 5. Evacuate with Nova alone, all at once.
t=$(now)
pids=()
for id in "${ids[@]}"; do
	openstack server evacuate "$id" >/dev/null &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || fail "evacuate call failed"; done
mark "evacuate calls accepted" "$(since "$t")"
wait_servers 180 ".status == \"ACTIVE\" and .host != \"$VICTIM\" and .host != null and .task == null"
mark "evacuate -> all $N ACTIVE on other hosts" "$(since "$t")"
log "placement after evacuation:"
servers_json | jq -r '.[] | "  \(.name) \(.status) \(.host)"' >&2
migs=$(openstack server migration list --type evacuation -f json 2>/dev/null |
	jq --arg v "$VICTIM" '[.[] | select(."Source Node" == $v)] | length' || echo "?")
log "Nova lists $migs evacuation migrations from $VICTIM"

# 6. Power back on; lift the forced down flag.
t=$(now)
"$HERE/cloud.sh" ipmi "$VICTIM" chassis power on >&2
status=$("$HERE/cloud.sh" ipmi "$VICTIM" chassis power status)
[ "$status" = "Chassis Power is on" ] || fail "BMC says '$status' after power on"
openstack compute service set --up "$VICTIM" nova-compute
up=""
for _ in $(seq 1 120); do
	read -r _ state forced <<<"$(compute_state "$VICTIM")"
	if [ "$state" = "up" ] && [ "$forced" = "False" ]; then
		up=1
		break
	fi
	sleep 1
done
[ -n "$up" ] || fail "$VICTIM did not come back up"
mark "power on -> service up again" "$(since "$t")"

# 7. Clean up.
t=$(now)
openstack server delete --wait "${ids[@]}"
ids=()
mark "delete $N servers" "$(since "$t")"

printf '\n== e2e cloud smoke timeline (%s servers, %s with HA_Enabled=True) ==\n' "$N" "$ha"
printf '%s\n' "${TIMELINE[@]}"
echo "PASS"
