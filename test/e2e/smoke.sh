#!/usr/bin/env bash
# Proves the e2e cloud works by itself, with Nova alone (no Lazarus):
#   1. cloud.sh up (idempotent) and all three computes up;
#   2. boot servers pinned to compute-1 (availability zone nova:compute-1,
#      networks "none"), every other one with metadata HA_Enabled=True;
#   3. power compute-1 off through its BMC (ipmitool, lanplus, cipher suite 3)
#      and confirm its nova-compute process is gone;
#   4. force its nova-compute service down (os-services, microversion 2.53);
#   5. evacuate every server with Nova's own API, all at once, and see each
#      ACTIVE on another host;
#   6. power compute-1 back on, lift the forced-down flag, see the service up;
#   7. delete the servers.
# Prints a timeline with timings; exits non-zero at the first failed check.
#
# Nova is driven over REST with curl (lib/api.sh): an openstack CLI call
# costs 1.5 to 9 s of Python start-up here, which would drown what is
# measured. The CLI is still exercised once, to list the compute services.
#
# SMOKE_SERVERS (default 6) servers are booted.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${LAZARUS_E2E_STATE_DIR:-$HERE/.state}
N=${SMOKE_SERVERS:-6}
VICTIM=compute-1
PREFIX=smoke-$$
# shellcheck source=lib/proc.sh
. "$HERE/lib/proc.sh"
# shellcheck source=lib/api.sh
. "$HERE/lib/api.sh"

log() { printf '[smoke %s] %s\n' "$(date -u +%T)" "$*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

TIMELINE=()
mark() { # mark LABEL SECONDS
	TIMELINE+=("$(printf '%-46s %7s s' "$1" "$2")")
	log "$1: $2 s"
}

t=$(now)
"$HERE/cloud.sh" up
mark "setup (cloud.sh up)" "$(since "$t")"

# Sample the cloud's resident memory every second, keeping the peak.
peak_file=$STATE/run/smoke-$$.peak
echo 0 >"$peak_file"
(
	peak=0
	while :; do
		kib=$(cloud_rss_kib "$STATE/run")
		if [ "$kib" -gt "$peak" ]; then
			peak=$kib
			echo "$peak" >"$peak_file"
		fi
		sleep 1
	done
) &
sampler=$!

ids=()
svc=""
cleanup() {
	local id
	kill "$sampler" 2>/dev/null || true
	if ! pidfile_alive "$STATE/run/$VICTIM.pid"; then
		"$HERE/cloud.sh" ipmi "$VICTIM" chassis power on >/dev/null 2>&1 || true
	fi
	if [ -n "${svc:-}" ]; then
		nova_unforce "$(jq -r .id <<<"$svc")" 60 2>/dev/null || true
	fi
	if [ "${#ids[@]}" -gt 0 ]; then
		log "deleting ${#ids[@]} servers"
		for id in "${ids[@]}"; do nova DELETE "/servers/$id" >/dev/null 2>&1 || true; done
	fi
}
trap cleanup EXIT

# servers: this run's servers as [{id, name, status, host, task, ha}].
servers() {
	nova GET "/servers/detail?all_tenants=1&name=^$PREFIX-" |
		jq -c '[.servers[] | {id, name, status, host: ."OS-EXT-SRV-ATTR:host",
			task: ."OS-EXT-STS:task_state", ha: .metadata.HA_Enabled}]'
}

# wait_servers SECONDS JQ_FILTER: until all N servers satisfy the filter;
# fails at once if one goes to ERROR.
wait_servers() {
	local secs=$1 filter=$2 t0 js
	t0=$(date +%s)
	while :; do
		js=$(servers)
		if [ "$(jq length <<<"$js")" -eq "$N" ] && jq -e "all(.[]; $filter)" <<<"$js" >/dev/null; then
			return 0
		fi
		if jq -e 'any(.[]; .status == "ERROR")' <<<"$js" >/dev/null; then
			jq -c '.[]' <<<"$js" >&2
			fail "a server went to ERROR"
		fi
		if [ $(($(date +%s) - t0)) -ge "$secs" ]; then
			jq -c '.[]' <<<"$js" >&2
			fail "servers not ($filter) within ${secs}s"
		fi
		sleep 0.25
	done
}

service() { # service HOST: {id, status, state, forced_down} of its nova-compute.
	nova GET "/os-services?binary=nova-compute&host=$1" | jq -c '.services[0] | {id, status, state, forced_down}'
}

# 1. The cloud, seen through the real CLI once.
log "compute services (openstack CLI):"
(
	# shellcheck disable=SC1091
	. "$STATE/openrc"
	openstack compute service list --service nova-compute -f value -c Host -c Status -c State
) >&2
up=$(nova GET '/os-services?binary=nova-compute' | jq '[.services[] | select(.state == "up")] | length')
[ "$up" -ge 3 ] || fail "only $up nova-compute services up"
flavor=$(nova GET /flavors | jq -r '.flavors[] | select(.name == "e2e.tiny") | .id')
image=$(api GET "http://127.0.0.1:19292/v2/images?name=e2e-raw" | jq -r '.images[0].id')
if [ -z "$flavor" ] || [ "$image" = null ]; then fail "flavor e2e.tiny or image e2e-raw missing"; fi

# 2. Boot, pinned to compute-1, all at once.
t=$(now)
pids=()
for i in $(seq 1 "$N"); do
	meta='{}'
	if [ $((i % 2)) -eq 1 ]; then meta='{"HA_Enabled": "True"}'; fi
	body=$(jq -nc --arg n "$PREFIX-$i" --arg f "$flavor" --arg im "$image" --arg az "nova:$VICTIM" --argjson m "$meta" \
		'{server: {name: $n, flavorRef: $f, imageRef: $im, networks: "none", availability_zone: $az, metadata: $m}}')
	nova POST /servers "$body" | jq -r .server.id >"$STATE/run/$PREFIX-$i.id" &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || fail "a server create call failed"; done
for i in $(seq 1 "$N"); do
	ids+=("$(cat "$STATE/run/$PREFIX-$i.id")")
	rm -f "$STATE/run/$PREFIX-$i.id"
done
mark "create calls for $N servers returned" "$(since "$t")"
wait_servers 300 ".status == \"ACTIVE\" and .host == \"$VICTIM\""
mark "boot: all $N ACTIVE on $VICTIM" "$(since "$t")"
ha=$(servers | jq '[.[] | select(.ha == "True")] | length')
[ "$ha" -eq $(((N + 1) / 2)) ] || fail "expected $(((N + 1) / 2)) servers with HA_Enabled=True, saw $ha"

# 3. Power off through the BMC.
pidfile=$STATE/run/$VICTIM.pid
pidfile_alive "$pidfile" || fail "$VICTIM's nova-compute is not running before power off"
t_off=$(now)
"$HERE/cloud.sh" ipmi "$VICTIM" chassis power off >&2
mark "ipmitool chassis power off returned" "$(since "$t_off")"
gone=""
for _ in $(seq 1 200); do
	if ! pidfile_alive "$pidfile"; then
		gone=1
		break
	fi
	sleep 0.05
done
[ -n "$gone" ] || fail "$VICTIM's nova-compute still runs after power off"
mark "power off -> nova-compute process gone" "$(since "$t_off")"
status=$("$HERE/cloud.sh" ipmi "$VICTIM" chassis power status)
[ "$status" = "Chassis Power is off" ] || fail "BMC says '$status' after power off"

# 4. Force the service down: Nova refuses to evacuate while it still looks up.
t=$(now)
svc=$(service "$VICTIM")
nova PUT "/os-services/$(jq -r .id <<<"$svc")" '{"forced_down": true}' >/dev/null
svc=$(service "$VICTIM")
jq -e '.state == "down" and .forced_down == true' <<<"$svc" >/dev/null || fail "$VICTIM not forced down: $svc"
mark "force down -> service reported down" "$(since "$t")"
mark "power off -> service forced down" "$(since "$t_off")"

# 5. Evacuate with Nova alone, all at once, letting the scheduler pick.
t=$(now)
pids=()
for id in "${ids[@]}"; do
	nova POST "/servers/$id/action" '{"evacuate": {}}' >/dev/null &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || fail "an evacuate call failed"; done
mark "evacuate calls accepted" "$(since "$t")"
wait_servers 300 ".status == \"ACTIVE\" and .host != \"$VICTIM\" and .host != null and .task == null"
mark "evacuate -> all $N ACTIVE on other hosts" "$(since "$t")"
mark "power off -> all $N ACTIVE elsewhere" "$(since "$t_off")"
log "where the servers are now:"
servers | jq -r '.[] | "  \(.name) \(.status) \(.host) HA_Enabled=\(.ha // "-")"' >&2
migs=$(nova GET "/os-migrations?migration_type=evacuation&source_compute=$VICTIM" |
	jq --argjson ids "$(printf '%s\n' "${ids[@]}" | jq -R . | jq -sc .)" \
		'[.migrations[] | select(.instance_uuid as $u | $ids | index($u))] | length')
log "Nova's migrations list: $migs evacuations from $VICTIM for this run's $N servers"
[ "$migs" -eq "$N" ] || fail "expected $N evacuation migrations, saw $migs"

# 6. Power back on; lift the forced-down flag.
t=$(now)
"$HERE/cloud.sh" ipmi "$VICTIM" chassis power on >&2
status=$("$HERE/cloud.sh" ipmi "$VICTIM" chassis power status)
[ "$status" = "Chassis Power is on" ] || fail "BMC says '$status' after power on"
# Nova accepts this only once the restarted nova-compute has cleaned up the
# evacuated instances (their migrations go from done to completed).
nova_unforce "$(jq -r .id <<<"$svc")" 120 || fail "could not lift forced down on $VICTIM"
mark "power on -> forced down lifted" "$(since "$t")"
back=""
for _ in $(seq 1 240); do
	if service "$VICTIM" | jq -e '.state == "up" and .forced_down == false' >/dev/null; then
		back=1
		break
	fi
	sleep 0.5
done
[ -n "$back" ] || fail "$VICTIM did not come back up: $(service "$VICTIM")"
mark "power on -> service up again" "$(since "$t")"

# 7. Clean up.
t=$(now)
for id in "${ids[@]}"; do nova DELETE "/servers/$id" >/dev/null; done
left=$N
for _ in $(seq 1 240); do
	left=$(servers | jq length)
	[ "$left" -eq 0 ] && break
	sleep 0.5
done
[ "$left" -eq 0 ] || fail "$left servers left after delete"
ids=()
svc=""
mark "delete $N servers" "$(since "$t")"

printf '\n== e2e cloud smoke timeline (%s servers on %s, %s with HA_Enabled=True; load average %s) ==\n' \
	"$N" "$VICTIM" "$ha" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${TIMELINE[@]}"
printf '%-46s %7s MiB\n' "peak resident memory of the cloud (sampled 1/s)" \
	"$(awk -v k="$(cat "$peak_file")" 'BEGIN { printf "%.0f", k / 1024 }')"
rm -f "$peak_file"
echo "PASS"
