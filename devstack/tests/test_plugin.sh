#!/usr/bin/env bash
# Drives the DevStack plugin phase by phase with recording stand-ins for the
# DevStack functions it calls, and asserts what each phase did. The parts
# that need no DevStack run for real: building the binaries, generating
# lazarus.conf from the sample with iniset (then loaded by lazarus-manage
# and lazarus-api), db sync against the local PostgreSQL, and starting and
# stopping lazarus-api.
#
# Needs: go, PostgreSQL on 127.0.0.1:5432 reachable as TEST_DATABASE_URL's
# user. Run from anywhere: bash devstack/tests/test_plugin.sh
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/lazarus-devstack-test.XXXXXX)
RECORD=$WORK/record.log
FAILS=0
PASSES=0
PG_ADMIN_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
PG_BASE=${PG_ADMIN_URL%/*}
DBNAME=lazarus_devstack_$$

cleanup() {
    local pidf
    for pidf in "$WORK"/pids/*.pid; do
        [[ -f "$pidf" ]] && kill "$(cat "$pidf")" 2>/dev/null
    done
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

ok() { PASSES=$((PASSES + 1)); echo "ok   - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
expect_recorded() { # expect_recorded PATTERN WHY
    if grep -qE -- "$1" "$RECORD"; then ok "$2"; else fail "$2 (no call matching /$1/ in the record)"; fi
}
expect_not_recorded() {
    if grep -qE -- "$1" "$RECORD"; then fail "$2 (unexpected: $(grep -E -- "$1" "$RECORD" | head -1))"; else ok "$2"; fi
}
record() { printf '%s\n' "$*" >>"$RECORD"; }

# --- DevStack environment and stand-ins -----------------------------------
STACK_USER=$(id -un)
export DEST=$WORK/dest DATA_DIR=$WORK/data STACK_USER
export SERVICE_HOST=127.0.0.1 SERVICE_PROTOCOL=http HOST_IP=127.0.0.1 REGION_NAME=RegionOne
export SERVICE_PASSWORD=servicepw SERVICE_PROJECT_NAME=service KEYSTONE_SERVICE_URI=http://127.0.0.1/identity
export DATABASE_TYPE=postgresql
export LAZARUS_DIR=$REPO LAZARUS_BIN_DIR=$WORK/bin LAZARUS_CONF_DIR=$WORK/etc LAZARUS_STATE_DIR=$WORK/state
LAZARUS_SERVICE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export LAZARUS_SERVICE_PORT LAZARUS_DB_NAME=$DBNAME LAZARUS_HOST=compute-test
ENABLED_SERVICES="key,n-cpu,lazarus-api"
mkdir -p "$DEST" "$DATA_DIR" "$LAZARUS_BIN_DIR" "$WORK/pids" "$WORK/logs"

is_service_enabled() {
    local s
    for s in "$@"; do
        [[ ",$ENABLED_SERVICES," == *",$s,"* ]] && return 0
    done
    return 1
}
enable_service() { local s; for s in "$@"; do is_service_enabled "$s" || ENABLED_SERVICES+=",$s"; done; }
disable_service() { local s; for s in "$@"; do ENABLED_SERVICES=$(tr ',' '\n' <<<"$ENABLED_SERVICES" | grep -vx "$s" | paste -sd,); done; }
define_plugin() { record "define_plugin $*"; }
trueorfalse() { local v=${!2:-$1}; case ${v,,} in 1|yes|true|on) echo True ;; *) echo False ;; esac; }
echo_summary() { echo "summary: $*"; }
die() { echo "die: line $1: ${*:2}" >&2; exit 1; }
sudo() { record "sudo $*"; "$@"; }
install_package() { record "install_package $*"; }
get_transport_url() { echo "rabbit://stackrabbit:secret@127.0.0.1:5672/"; }
create_service_user() { record "create_service_user $*"; }
get_or_create_service() { record "get_or_create_service $*"; echo "svc-123"; }
get_or_create_endpoint() { record "get_or_create_endpoint $*"; }
recreate_database() {
    record "recreate_database $*"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null &&
        psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $1" >/dev/null
}
database_connection_url() { echo "$PG_BASE/$1?sslmode=disable"; }
run_process() {
    record "run_process $1 $2"
    # shellcheck disable=SC2086 # the command line is word-split as DevStack does
    setsid $2 >"$WORK/logs/$1.log" 2>&1 &
    echo $! >"$WORK/pids/$1.pid"
}
stop_process() {
    record "stop_process $1"
    if [[ -f "$WORK/pids/$1.pid" ]]; then
        kill "$(cat "$WORK/pids/$1.pid")" 2>/dev/null
        rm -f "$WORK/pids/$1.pid"
    fi
}
wait_for_service() {
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        curl -sf -o /dev/null "$2" && return 0
        sleep 0.2
    done
    return 1
}
openstack() { record "openstack $*"; echo "token-not-checked-by-noauth2"; }
# iniset FILE SECTION KEY VALUE: set KEY in SECTION, replacing an active or
# commented-out line of the key, adding the section if it is missing.
iniset() {
    record "iniset $1 [$2] $3"
    python3 - "$@" <<'PY'
import re, sys
path, section, key, value = sys.argv[1:5]
lines = open(path).read().split("\n")
out, in_sec, done, seen = [], False, False, False
for line in lines:
    m = re.match(r"^\[([^\]]+)\]\s*$", line)
    if m:
        if in_sec and not done:
            out.append(f"{key} = {value}"); done = True
        in_sec = m.group(1) == section
        seen = seen or in_sec
        out.append(line); continue
    if in_sec and not done and re.match(rf"^#?\s*{re.escape(key)}\s*=", line):
        out.append(f"{key} = {value}"); done = True; continue
    out.append(line)
if not done:
    if in_sec:
        out.append(f"{key} = {value}")
    else:
        out += ["", f"[{section}]", f"{key} = {value}"]
open(path, "w").write("\n".join(out))
PY
}

run_phase() { # run_phase MODE PHASE
    echo "# phase: $1 $2"
    # shellcheck source=devstack/settings disable=SC1091
    source "$REPO/devstack/settings"
    # shellcheck source=devstack/plugin.sh disable=SC1091
    source "$REPO/devstack/plugin.sh" "$1" "$2"
}

# --- settings ----------------------------------------------------------------
(run_phase stack pre-install) >/dev/null
# shellcheck source=devstack/settings disable=SC1091
source "$REPO/devstack/settings"
expect_recorded '^define_plugin lazarus$' "settings define the plugin"
if is_service_enabled lazarus-api lazarus-engine; then ok "settings enable lazarus-api and lazarus-engine"; else fail "settings enable the control plane"; fi
ENABLED_SERVICES="key,n-cpu,lazarus-api,lazarus-engine,lazarus-processmonitor"

# --- stack install: build the binaries ---------------------------------------
run_phase stack install || fail "stack install"
for b in lazarus-api lazarus-engine lazarus-manage lazarus-hostmonitor lazarus; do
    if [[ -x "$LAZARUS_BIN_DIR/$b" ]]; then ok "install builds $b"; else fail "install builds $b"; fi
done
expect_not_recorded '^install_package golang' "install uses the Go toolchain already present"

# --- stack post-config: config, database, accounts ---------------------------
run_phase stack post-config || fail "stack post-config"
CONF=$LAZARUS_CONF_DIR/lazarus.conf
expect_recorded "^recreate_database $DBNAME" "post-config creates the database with DevStack's helper (DATABASE_TYPE=postgresql)"
expect_recorded '^create_service_user lazarus admin$' "post-config creates the lazarus service user with the admin role"
expect_recorded '^get_or_create_service lazarus instance-ha ' "post-config registers service lazarus of type instance-ha"
expect_recorded "^get_or_create_endpoint svc-123 RegionOne http://127.0.0.1:$LAZARUS_SERVICE_PORT/v1/\\\$\\(project_id\\)s$" "post-config registers the project-scoped endpoint"
expect_recorded "^iniset $CONF \\[DEFAULT\\] transport_url$" "post-config sets RabbitMQ from DevStack's settings"
expect_recorded "^iniset $CONF \\[keystone_authtoken\\] password$" "post-config sets the keystone service credentials"
if [[ -f "$LAZARUS_CONF_DIR/policy.yaml" || ! -f "$REPO/etc/policy.yaml.sample" ]]; then ok "post-config installs the policy file"; else fail "post-config installs the policy file"; fi
if grep -q '^connection = postgres' "$CONF"; then ok "lazarus.conf has the database connection"; else fail "lazarus.conf has the database connection"; fi
if out=$("$LAZARUS_BIN_DIR/lazarus-manage" --config "$CONF" config check 2>&1); then ok "generated lazarus.conf loads (lazarus-manage config check)"; else fail "generated lazarus.conf loads: $out"; fi
if grep -q 'servicepw' <<<"$out"; then fail "config check hides the service password"; else ok "config check hides the service password"; fi

# Without Keystone and Nova here, the API runs token-less and trusts host names.
iniset "$CONF" DEFAULT auth_strategy noauth2
iniset "$CONF" api validate_compute_hosts false
iniset "$CONF" api listen "127.0.0.1:$LAZARUS_SERVICE_PORT"

# --- stack extra: db sync and services ---------------------------------------
ENABLED_SERVICES="key,n-cpu,lazarus-api"
run_phase stack extra || fail "stack extra"
if psql "$PG_BASE/$DBNAME?sslmode=disable" -Atqc 'select version from lazarus_schema_version' >/dev/null 2>&1; then ok "extra runs db sync against PostgreSQL"; else fail "extra runs db sync against PostgreSQL"; fi
expect_recorded "^run_process lazarus-api $LAZARUS_BIN_DIR/lazarus-api --config $CONF$" "extra starts lazarus-api with run_process"
if curl -sf "http://127.0.0.1:$LAZARUS_SERVICE_PORT/" | grep -q '"versions"'; then ok "lazarus-api answers its versions document"; else fail "lazarus-api answers (log: $(tail -3 "$WORK/logs/lazarus-api.log" 2>/dev/null))"; fi

# --- test-config: the smoke test against the running API ---------------------
if (run_phase stack test-config); then ok "smoke test creates and deletes a segment and a host"; else fail "smoke test"; fi

# --- unstack ------------------------------------------------------------------
run_phase unstack "" || fail "unstack"
for s in lazarus-api lazarus-engine lazarus-hostmonitor lazarus-processmonitor lazarus-instancemonitor; do
    expect_recorded "^stop_process $s$" "unstack stops $s"
done
sleep 0.5
if curl -sf -o /dev/null "http://127.0.0.1:$LAZARUS_SERVICE_PORT/"; then fail "lazarus-api is stopped after unstack"; else ok "lazarus-api is stopped after unstack"; fi

# --- a second stack works ------------------------------------------------------
run_phase stack post-config >/dev/null || fail "second post-config"
iniset "$CONF" DEFAULT auth_strategy noauth2
iniset "$CONF" api validate_compute_hosts false
iniset "$CONF" api listen "127.0.0.1:$LAZARUS_SERVICE_PORT"
run_phase stack extra >/dev/null || fail "second extra"
if curl -sf "http://127.0.0.1:$LAZARUS_SERVICE_PORT/" >/dev/null; then ok "a second stack starts lazarus-api again"; else fail "a second stack starts lazarus-api again"; fi

# --- clean ----------------------------------------------------------------------
run_phase clean "" || fail "clean"
if [[ ! -e "$LAZARUS_CONF_DIR" && ! -e "$LAZARUS_BIN_DIR/lazarus-api" ]]; then ok "clean removes config and binaries"; else fail "clean removes config and binaries"; fi

# --- Masakari replacement ---------------------------------------------------------
: >"$RECORD"
ENABLED_SERVICES="key,masakari,masakari-api,masakari-engine,lazarus-api"
export LAZARUS_REPLACE_MASAKARI=True
# shellcheck source=devstack/settings disable=SC1091
source "$REPO/devstack/settings"
if is_service_enabled masakari-api masakari-engine; then fail "replacing Masakari disables its services"; else ok "replacing Masakari disables its services"; fi
create_lazarus_accounts
expect_recorded '^get_or_create_service masakari instance-ha ' "replacing Masakari registers the catalog name masakari"

echo "$PASSES passed, $FAILS failed"
[[ $FAILS -eq 0 ]]
