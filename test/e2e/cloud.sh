#!/usr/bin/env bash
# A small real OpenStack (Zed, Debian 12 packages) on 127.0.0.1 for Lazarus's
# end-to-end tests: Keystone, Glance, Placement, Neutron (API only), Nova
# api/conductor/scheduler, three fake nova-compute hosts compute-1..3, each
# in its own network namespace with a management and a storage link
# (lib/hostnet.sh), and one ipmi_sim BMC per host whose power off SIGKILLs
# everything in that host's namespace (LAZARUS_E2E_COMPUTES=N for another
# number of hosts).
#
#   cloud.sh up       install what is missing, configure, start, wait until ready (idempotent)
#   cloud.sh down     stop everything this script started (add --purge to also drop
#                     the e2e_* databases and the state dir)
#   cloud.sh status   what runs, and whether Nova sees the three computes up
#   cloud.sh env      print the OS_* exports for the admin user
#   cloud.sh mem      resident memory of each service and the total
#   cloud.sh selftest run smoke.sh (boot, power off, evacuate with Nova alone)
#
# Everything lives in test/e2e/.state/ (gitignored): configs, secrets, pid
# files and, in .state/logs/, every log. Only processes this script started
# are stopped: each runs in its own process group, recorded in .state/run/
# with its kernel start time, which is checked before any signal is sent.
# The machine's shared PostgreSQL, RabbitMQ, MariaDB and Redis are never
# stopped: the cloud runs its own
# RabbitMQ node and memcached on other ports and uses its own e2e_* databases
# (and an e2e user) in the running MariaDB.
#
# Functions run through `step NAME FUNCTION` look unreachable to shellcheck:
# shellcheck disable=SC2317
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${LAZARUS_E2E_STATE_DIR:-$HERE/.state}
LOGS=$STATE/logs
RUN=$STATE/run
ETC=$STATE/etc
SECRETS=$STATE/secrets
DONE=$STATE/done

# Ports: all on 127.0.0.1, below the ephemeral range, away from Lazarus
# (15868/15869) and the shared services (5432, 5672, 25672, 4369, 3306, 6379).
KEYSTONE_PORT=15000
GLANCE_PORT=19292
PLACEMENT_PORT=18778
NEUTRON_PORT=19696
NOVA_PORT=18774
MEMCACHED_PORT=11311
RABBIT_PORT=15772
RABBIT_DIST_PORT=15773
# Lazarus's own broker (the monitors publish to it, the engines consume):
# a second node, so that a chaos run can restart it without touching Nova's.
LZ_RABBIT_PORT=15774
LZ_RABBIT_DIST_PORT=15775
EPMD_PORT=14469
BMC_BASE_PORT=9100 # compute-N's BMC listens on UDP 9100+N
# shellcheck disable=SC2016 # $(project_id)s is Keystone's template, not shell
LAZARUS_URL='http://127.0.0.1:15868/v1/$(project_id)s'
# LAZARUS_E2E_COMPUTES fake hosts (default 3), compute-1..N; a scenario that
# needs a spare (reserved_host) can ask for 4.
COMPUTES=()
for ((n = 1; n <= ${LAZARUS_E2E_COMPUTES:-3}; n++)); do COMPUTES+=("compute-$n"); done
MYSQL_HOST=127.0.0.1
MYSQL_PORT=3306
DATABASES=(e2e_keystone e2e_glance e2e_placement e2e_neutron e2e_nova_api e2e_nova e2e_nova_cell0)

KEYSTONE_URL=http://127.0.0.1:$KEYSTONE_PORT/v3

log() { printf '[e2e %s] %s\n' "$(date -u +%T)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# ---------------------------------------------------------------- processes

# shellcheck source=lib/proc.sh
. "$HERE/lib/proc.sh"
# shellcheck source=lib/api.sh
. "$HERE/lib/api.sh"
# shellcheck source=lib/hostnet.sh
. "$HERE/lib/hostnet.sh"

pid_of() { pidfile_pid "$RUN/$1.pid"; }
running() { pidfile_alive "$RUN/$1.pid"; }

# start NAME CMD...: runs CMD in its own session/process group, logs to
# logs/NAME.log, records its PID (= PGID) in run/NAME.pid. No-op if running.
start() {
	local name=$1
	shift
	if running "$name"; then
		return 0
	fi
	log "starting $name"
	(cd "$STATE" && exec setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null) &
	pidfile_write "$RUN/$name.pid" "$!"
}

# stop NAME...: SIGTERM to each one's process group, all at once; SIGKILL to
# the groups of those still running after 10 s. Only pid files whose PID and
# start time still match are acted on.
stop() {
	local name pid live=() i
	for name in "$@"; do
		if ! running "$name"; then
			rm -f "$RUN/$name.pid"
			continue
		fi
		pid=$(pid_of "$name")
		log "stopping $name (pgid $pid)"
		kill -TERM -- "-$pid" 2>/dev/null || true
		live+=("$name")
	done
	for ((i = 0; i < 100; i++)); do
		local still=()
		for name in "${live[@]}"; do
			if running "$name"; then still+=("$name"); fi
		done
		if [ "${#still[@]}" -eq 0 ]; then break; fi
		sleep 0.1
	done
	for name in "${live[@]}"; do
		if running "$name"; then log "$name ignored SIGTERM; SIGKILL"; fi
		# Also reaps workers that outlived their leader (same process group).
		kill -KILL -- "-$(pid_of "$name")" 2>/dev/null || true
		rm -f "$RUN/$name.pid"
	done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port NAME PORT SECONDS
wait_port() {
	local name=$1 port=$2 secs=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		port_open "$port" && return 0
		running "$name" || die "$name exited; see $LOGS/$name.log"
		sleep 0.1
	done
	die "$name did not listen on $port within ${secs}s; see $LOGS/$name.log"
}

# wait_http NAME URL SECONDS: until URL answers with any HTTP status.
wait_http() {
	local name=$1 url=$2 secs=$3 i
	for ((i = 0; i < secs * 5; i++)); do
		if curl -s -o /dev/null -m 5 "$url"; then return 0; fi
		running "$name" || die "$name exited; see $LOGS/$name.log"
		sleep 0.2
	done
	die "$name did not answer $url within ${secs}s; see $LOGS/$name.log"
}

# ---------------------------------------------------------------- secrets

# secret NAME [BYTES]: prints the password kept in secrets/NAME, making it
# once from BYTES (default 12) random bytes, hex-encoded. IPMI passwords are
# at most 16 characters for ipmi_sim, so the BMC's is 8 bytes.
secret() {
	local f=$SECRETS/$1
	if [ ! -s "$f" ]; then
		(umask 077 && od -An -tx1 -N"${2:-12}" /dev/urandom | tr -d ' \n' >"$f")
	fi
	cat "$f"
}

# ---------------------------------------------------------------- configs

mysql_root() { mysql --protocol=socket -uroot; }

db_url() { printf 'mysql+pymysql://e2e:%s@%s:%s/%s?charset=utf8' "$(secret db)" "$MYSQL_HOST" "$MYSQL_PORT" "$1"; }
rabbit_url() { printf 'rabbit://guest:guest@127.0.0.1:%s/' "$RABBIT_PORT"; }

# authtoken SERVICE_USER: a [keystone_authtoken] section.
authtoken() {
	cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:$KEYSTONE_PORT
auth_url = http://127.0.0.1:$KEYSTONE_PORT
memcached_servers = 127.0.0.1:$MEMCACHED_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $(secret service)
region_name = RegionOne
EOF
}

# ksa SECTION: a keystoneauth section for Nova's calls to other services.
ksa() {
	cat <<EOF
[$1]
auth_type = password
auth_url = http://127.0.0.1:$KEYSTONE_PORT/v3
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = $(secret service)
region_name = RegionOne
valid_interfaces = public
EOF
}

write_configs() {
	mkdir -p "$ETC"/{keystone,glance,placement,neutron,nova,rabbitmq,rabbitmq-lazarus,empty.d} "$STATE"/keystone/{fernet-keys,credential-keys} \
		"$STATE"/glance/{images,staging,tasks} "$STATE"/{lock,images} "$STATE/rabbitmq"
	chmod 0700 "$ETC" "$SECRETS"
	local rabbit
	rabbit=$(rabbit_url)

	cat >"$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
debug = false
[database]
connection = $(db_url e2e_keystone)
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys
[fernet_receipts]
key_repository = $STATE/keystone/fernet-keys
[credential]
key_repository = $STATE/keystone/credential-keys
[identity]
password_hash_rounds = 4
[cache]
enabled = true
backend = dogpile.cache.memcached
memcache_servers = 127.0.0.1:$MEMCACHED_PORT
[oslo_concurrency]
lock_path = $STATE/lock
EOF

	cat >"$ETC/placement/placement.conf" <<EOF
[DEFAULT]
debug = false
[api]
auth_strategy = keystone
[placement_database]
connection = $(db_url e2e_placement)
$(authtoken placement)
[oslo_concurrency]
lock_path = $STATE/lock
EOF

	cat >"$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
debug = false
bind_host = 127.0.0.1
bind_port = $GLANCE_PORT
workers = 1
enabled_backends = file:file
[database]
connection = $(db_url e2e_glance)
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $STATE/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
$(authtoken glance)
[oslo_concurrency]
lock_path = $STATE/lock
[oslo_policy]
enforce_new_defaults = false
EOF

	cat >"$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
debug = false
bind_host = 127.0.0.1
bind_port = $NEUTRON_PORT
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = $rabbit
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
api_paste_config = /etc/neutron/api-paste.ini
state_path = $STATE/neutron
[agent]
root_helper =
[database]
connection = $(db_url e2e_neutron)
$(authtoken neutron)
[ml2]
mechanism_drivers =
tenant_network_types =
extension_drivers =
[oslo_concurrency]
lock_path = $STATE/lock
EOF

	cat >"$ETC/nova/nova.conf" <<EOF
[DEFAULT]
debug = false
transport_url = $rabbit
my_ip = 127.0.0.1
host = controller
state_path = $STATE/nova
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $NOVA_PORT
osapi_compute_workers = 1
report_interval = 5
service_down_time = 30
heal_instance_info_cache_interval = -1
instance_usage_audit = false
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = $(db_url e2e_nova_api)
[database]
connection = $(db_url e2e_nova)
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 5
[filter_scheduler]
enabled_filters = ComputeFilter,AvailabilityZoneFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter
[quota]
instances = 10000
cores = 100000
ram = 100000000
$(authtoken nova)
$(ksa placement)
$(ksa neutron)
[glance]
valid_interfaces = public
region_name = RegionOne
[service_user]
send_service_user_token = false
[cinder]
os_region_name = RegionOne
[vnc]
enabled = false
[spice]
enabled = false
[oslo_messaging_notifications]
driver = noop
[oslo_concurrency]
lock_path = $STATE/lock
EOF

	local host dir
	for host in "${COMPUTES[@]}"; do
		dir=$STATE/nova/$host
		mkdir -p "$dir/instances" "$dir/lock"
		cat >"$ETC/nova/$host.conf" <<EOF
[DEFAULT]
host = $host
state_path = $dir
instances_path = $dir/instances
compute_driver = fake.FakeDriver
[oslo_concurrency]
lock_path = $dir/lock
EOF
	done

	: >"$ETC/rabbitmq/rabbitmq-env.conf"
	echo '[].' >"$ETC/rabbitmq/enabled_plugins"
	cat >"$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
loopback_users.guest = true
EOF
	: >"$ETC/rabbitmq-lazarus/rabbitmq-env.conf"
	echo '[].' >"$ETC/rabbitmq-lazarus/enabled_plugins"
	cat >"$ETC/rabbitmq-lazarus/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$LZ_RABBIT_PORT
loopback_users.guest = true
EOF

	cat >"$STATE/openrc" <<EOF
export OS_AUTH_URL=$KEYSTONE_URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$(secret admin)
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
EOF
	cat >"$STATE/clouds.yaml" <<EOF
clouds:
  lazarus-e2e:
    auth:
      auth_url: $KEYSTONE_URL
      username: admin
      password: $(secret admin)
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  lazarus-e2e-lazarus:
    auth:
      auth_url: $KEYSTONE_URL
      username: lazarus
      password: $(secret lazarus)
      project_name: service
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
	chmod 0600 "$STATE/openrc" "$STATE/clouds.yaml"
	find "$ETC" -type f -exec chmod 0600 {} +
}

# write_bmc_config INDEX: lan.conf for COMPUTES[INDEX]'s BMC, with a fresh
# state dir (ipmi_sim's persisted users would override lan.conf).
write_bmc_config() {
	local i=$1 host=${COMPUTES[$1]} dir
	dir=$STATE/bmc/$host
	cat >"$ETC/bmc.emu" <<EOF
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
sensor_add 0x20 0 0 35 0x6f event-only
mc_enable 0x20
EOF
	rm -rf "$dir/state"
	mkdir -p "$dir/state"
	(
		umask 077
		cat >"$dir/lan.conf" <<EOF
name "$host"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $((BMC_BASE_PORT + i + 1))
    priv_limit admin
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abc0$((i + 10))
  endlan
  chassis_control "$HERE/lib/chassisctl.sh $STATE $host"
  user 2 true "admin" "$(secret ipmi 8)" admin 10 none md2 md5 straight
EOF
	)
}

# ---------------------------------------------------------------- steps

step() { # step NAME CMD...: runs CMD once per state dir (stamp in done/NAME), timing it.
	local name=$1 t
	shift
	if [ -e "$DONE/$name" ]; then return 0; fi
	t=$(now)
	"$@" >>"$LOGS/setup.log" 2>&1 || die "step $name failed; see $LOGS/setup.log"
	touch "$DONE/$name"
	log "step $name: $(elapsed "$t") s"
}

setup_databases() {
	local db pw h
	pw=$(secret db)
	{
		for db in "${DATABASES[@]}"; do
			# shellcheck disable=SC2016 # backquotes are SQL identifier quotes
			printf 'CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8;\n' "$db"
		done
		for h in 127.0.0.1 localhost; do
			printf "CREATE USER IF NOT EXISTS 'e2e'@'%s' IDENTIFIED BY '%s';\n" "$h" "$pw"
			printf "ALTER USER 'e2e'@'%s' IDENTIFIED BY '%s';\n" "$h" "$pw"
			printf "GRANT ALL PRIVILEGES ON \`e2e\\\\_%%\`.* TO 'e2e'@'%s';\n" "$h"
		done
	} | mysql_root
}

# ensure_mariadb: the machine's MariaDB answers; started (and left running,
# as a machine service) if installed but stopped. Never stopped by down.
ensure_mariadb() {
	local i
	if echo 'select 1' | mysql_root >/dev/null 2>&1; then return 0; fi
	log "MariaDB does not answer; starting it"
	/etc/init.d/mariadb start >>"$LOGS/setup.log" 2>&1 || service mariadb start >>"$LOGS/setup.log" 2>&1 || true
	for ((i = 0; i < 60; i++)); do
		if echo 'select 1' | mysql_root >/dev/null 2>&1; then return 0; fi
		sleep 1
	done
	die "MariaDB did not start; see $LOGS/setup.log"
}

keystone_manage() { keystone-manage --config-file "$ETC/keystone/keystone.conf" --config-dir "$ETC/empty.d" "$@"; }
nova_manage() { nova-manage --config-file "$ETC/nova/nova.conf" --config-dir "$ETC/empty.d" "$@"; }

keystone_init() {
	keystone_manage db_sync
	keystone_manage fernet_setup --keystone-user root --keystone-group root
	keystone_manage credential_setup --keystone-user root --keystone-group root
}

keystone_bootstrap() {
	OS_BOOTSTRAP_PASSWORD=$(secret admin) keystone_manage bootstrap \
		--bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
		--bootstrap-service-name keystone --bootstrap-region-id RegionOne \
		--bootstrap-admin-url "$KEYSTONE_URL" --bootstrap-internal-url "$KEYSTONE_URL" \
		--bootstrap-public-url "$KEYSTONE_URL"
}

nova_init() {
	nova_manage api_db sync
	nova_manage cell_v2 map_cell0 --database_connection "$(db_url e2e_nova_cell0)"
	if ! nova_manage cell_v2 list_cells | grep -q ' cell1 '; then
		nova_manage cell_v2 create_cell --name cell1 --verbose
	fi
	nova_manage db sync
	# create_cell stored the current broker URL already.
	rabbit_url >"$DONE/cell-url"
}

nova_cell_update() {
	local uuid
	uuid=$(nova_manage cell_v2 list_cells | awk -F'|' '$2 ~ / cell1 / { gsub(/ /, "", $3); print $3 }')
	[ -n "$uuid" ] || return 1
	nova_manage cell_v2 update_cell --cell_uuid "$uuid" --transport-url "$(rabbit_url)" \
		--database_connection "$(db_url e2e_nova)"
}

start_rabbitmq() {
	local epmd
	epmd=$(command -v epmd || true)
	if [ -z "$epmd" ]; then
		for epmd in /usr/lib/erlang/erts-*/bin/epmd; do break; done
	fi
	start epmd "$epmd" -port "$EPMD_PORT" -address 127.0.0.1
	wait_port epmd "$EPMD_PORT" 20
	start_rabbit_node rabbitmq lazarus-e2e "$RABBIT_PORT" "$RABBIT_DIST_PORT"
	start_rabbit_node rabbitmq-lazarus lazarus-e2e-lz "$LZ_RABBIT_PORT" "$LZ_RABBIT_DIST_PORT"
	wait_port rabbitmq "$RABBIT_PORT" 90
	wait_port rabbitmq-lazarus "$LZ_RABBIT_PORT" 90
}

# start_rabbit_node NAME NODE PORT DIST_PORT: one RabbitMQ node, its config
# in etc/NAME, its data in NAME/, its logs in logs/NAME/.
start_rabbit_node() {
	local name=$1 node=$2 port=$3 dist=$4
	mkdir -p "$STATE/$name/home" "$LOGS/$name"
	start "$name" env HOME="$STATE/$name/home" \
		RABBITMQ_NODENAME="$node@localhost" \
		RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
		RABBITMQ_DIST_PORT="$dist" ERL_EPMD_PORT="$EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1 \
		RABBITMQ_CONF_ENV_FILE="$ETC/$name/rabbitmq-env.conf" \
		RABBITMQ_CONFIG_FILE="$ETC/$name/rabbitmq" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/$name/enabled_plugins" \
		RABBITMQ_MNESIA_BASE="$STATE/$name/mnesia" \
		RABBITMQ_PLUGINS_EXPAND_DIR="$STATE/$name/plugins-expand" \
		RABBITMQ_PID_FILE="$STATE/$name/rabbitmq.pid" \
		RABBITMQ_LOG_BASE="$LOGS/$name" ERL_CRASH_DUMP="$LOGS/$name/erl_crash.dump" \
		RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
		/usr/lib/rabbitmq/bin/rabbitmq-server
}

# restart_lazarus_rabbit: stop Lazarus's broker and start it again (make
# chaos: "RabbitMQ restarted during detection"). Durable queues and their
# persistent messages survive, as on a real node.
restart_lazarus_rabbit() {
	stop rabbitmq-lazarus
	start_rabbit_node rabbitmq-lazarus lazarus-e2e-lz "$LZ_RABBIT_PORT" "$LZ_RABBIT_DIST_PORT"
	wait_port rabbitmq-lazarus "$LZ_RABBIT_PORT" 90
}

# uwsgi_app NAME PORT WSGI_FILE ENV=VALUE: one uwsgi process serving WSGI_FILE.
# Connection: close, or keystoneauth reuses sockets uwsgi's http-socket closed.
uwsgi_app() {
	start "$1" env "$4" uwsgi --plugin python3 --http-socket "127.0.0.1:$2" --wsgi-file "$3" \
		--master --processes 1 --threads 4 --need-app --die-on-term --lazy-apps \
		--add-header 'Connection: close' --buffer-size 65535
}

# restart_on_new_config NAME...: stops the running services when nova.conf
# differs from the one they were started with, so that start_controllers
# starts them again on the new one (the scheduler's and conductor's
# enabled_filters are read only at start).
restart_on_new_config() {
	if [ -f "$RUN/nova.conf.sha" ] && [ "$(sha256sum <"$ETC/nova/nova.conf")" = "$(cat "$RUN/nova.conf.sha")" ]; then
		return 0
	fi
	local name live=()
	for name in "$@"; do
		if running "$name"; then live+=("$name"); fi
	done
	if [ "${#live[@]}" -gt 0 ]; then
		log "nova.conf changed: restarting ${live[*]}"
		stop "${live[@]}"
	fi
}

start_controllers() {
	start memcached memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u root
	start_rabbitmq
	wait_port memcached "$MEMCACHED_PORT" 20

	ensure_mariadb
	step databases setup_databases
	step keystone-init keystone_init
	uwsgi_app keystone "$KEYSTONE_PORT" /usr/bin/keystone-wsgi-public "OS_KEYSTONE_CONFIG_DIR=$ETC/keystone"
	wait_http keystone "$KEYSTONE_URL" 90
	step keystone-bootstrap keystone_bootstrap
	step catalog catalog

	step placement-init placement-manage --config-file "$ETC/placement/placement.conf" db sync
	step glance-init glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync
	step neutron-init neutron-db-manage --config-file "$ETC/neutron/neutron.conf" upgrade heads
	step nova-init nova_init
	# The cell mapping stores the broker URL: keep it current or Nova RPC hangs.
	if [ "$(cat "$DONE/cell-url" 2>/dev/null || true)" != "$(rabbit_url)" ]; then
		nova_cell_update >>"$LOGS/setup.log" 2>&1 || die "nova-manage cell_v2 update_cell failed; see $LOGS/setup.log"
		rabbit_url >"$DONE/cell-url"
	fi

	uwsgi_app placement "$PLACEMENT_PORT" /usr/bin/placement-api "OS_PLACEMENT_CONFIG_DIR=$ETC/placement"
	start glance glance-api --config-file "$ETC/glance/glance-api.conf" --config-dir "$ETC/empty.d"
	start neutron neutron-server --config-file "$ETC/neutron/neutron.conf" --config-dir "$ETC/empty.d"
	start nova-api nova-api --config-file "$ETC/nova/nova.conf" --config-dir "$ETC/empty.d"
	start nova-conductor nova-conductor --config-file "$ETC/nova/nova.conf" --config-dir "$ETC/empty.d"
	start nova-scheduler nova-scheduler --config-file "$ETC/nova/nova.conf" --config-dir "$ETC/empty.d"

	wait_http placement "http://127.0.0.1:$PLACEMENT_PORT/" 90
	wait_http glance "http://127.0.0.1:$GLANCE_PORT/" 90
	wait_http neutron "http://127.0.0.1:$NEUTRON_PORT/" 120
	wait_http nova-api "http://127.0.0.1:$NOVA_PORT/" 120
}

# start_networks: the switch namespace, each host's namespace and links
# (plugged in: `up` means all usable), and the relays' control-plane ends.
start_networks() {
	local host
	net_switch_up
	for host in "${COMPUTES[@]}"; do
		host_net_up "$host"
		host_links_up "$host"
	done
	relay_root_up
}

start_bmcs() {
	local i host try
	for i in "${!COMPUTES[@]}"; do
		host=${COMPUTES[$i]}
		if running "bmc-$host"; then continue; fi
		write_bmc_config "$i"
		# ipmi_sim has been seen to exit right after printing its version
		# (one BMC of three, once): wait for its UDP port, start it again if
		# it died, rather than let power_on_computes time out against it.
		for try in 1 2 3; do
			start "bmc-$host" ipmi_sim -c "$STATE/bmc/$host/lan.conf" -f "$ETC/bmc.emu" -s "$STATE/bmc/$host/state" -n
			if wait_bmc_port "bmc-$host" "$((BMC_BASE_PORT + i + 1))"; then break; fi
			[ "$try" = 3 ] && die "bmc-$host (ipmi_sim) does not stay up; see $LOGS/bmc-$host.log"
			log "bmc-$host exited before binding UDP $((BMC_BASE_PORT + i + 1)); starting it again"
		done
	done
}

# wait_bmc_port NAME PORT: true once NAME's ipmi_sim listens on UDP PORT,
# false as soon as it is gone (or after 10 s).
wait_bmc_port() {
	local _i
	for _i in $(seq 1 100); do
		running "$1" || return 1
		if ss -Hlun "sport = :$2" | grep -q .; then return 0; fi
		sleep 0.1
	done
	return 1
}

# ipmi HOST ARGS...: ipmitool against HOST's BMC (password from a file, never argv).
ipmi() {
	local host=$1 i
	shift
	for i in "${!COMPUTES[@]}"; do
		if [ "${COMPUTES[$i]}" = "$host" ]; then
			ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$((BMC_BASE_PORT + i + 1))" -U admin -f "$SECRETS/ipmi" "$@"
			return
		fi
	done
	die "no BMC for $host"
}

power_on_computes() {
	local host i
	for host in "${COMPUTES[@]}"; do
		for i in $(seq 1 50); do
			if ipmi "$host" chassis power on >>"$LOGS/setup.log" 2>&1; then break; fi
			[ "$i" = 50 ] && die "could not power on $host through its BMC; see $LOGS/setup.log"
			sleep 0.2
		done
	done
}

catalog() {
	# shellcheck disable=SC1091
	(. "$STATE/openrc" && LAZARUS_E2E_SERVICE_PASSWORD=$(secret service) LAZARUS_E2E_LAZARUS_PASSWORD=$(secret lazarus) \
		/usr/bin/python3 "$HERE/lib/bootstrap.py" catalog \
		"image=http://127.0.0.1:$GLANCE_PORT" \
		"placement=http://127.0.0.1:$PLACEMENT_PORT" \
		"network=http://127.0.0.1:$NEUTRON_PORT" \
		"compute=http://127.0.0.1:$NOVA_PORT/v2.1" \
		"instance-ha=$LAZARUS_URL")
}

resources() {
	head -c 1024 /dev/zero >"$STATE/images/e2e-raw.img"
	# shellcheck disable=SC1091
	(. "$STATE/openrc" && /usr/bin/python3 "$HERE/lib/bootstrap.py" resources "$STATE/images/e2e-raw.img")
}

# computes_up: how many of COMPUTES Nova reports as nova-compute up.
computes_up() {
	nova GET '/os-services?binary=nova-compute' 2>/dev/null |
		jq '[.services[] | select(.state == "up" and (.host | startswith("compute-")))] | length' || echo 0
}

# hypervisors: how many compute-N hypervisors Nova has mapped to the cell.
hypervisors() {
	nova GET /os-hypervisors 2>/dev/null |
		jq '[.hypervisors[] | select(.hypervisor_hostname | startswith("compute-"))] | length' || echo 0
}

# reset_computes: a test that stopped half-way may leave a compute forced
# down or disabled; `up` means all computes usable, so undo that.
reset_computes() {
	local svc
	nova GET '/os-services?binary=nova-compute' |
		jq -c '.services[] | select((.host | startswith("compute-")) and (.forced_down or .status == "disabled"))' |
		while read -r svc; do
			log "re-enabling $(jq -r .host <<<"$svc") (was $(jq -c '{status, forced_down}' <<<"$svc"))"
			nova_unforce "$(jq -r .id <<<"$svc")" 120 || die "could not re-enable $(jq -r .host <<<"$svc")"
		done
}

wait_computes() {
	local i n=0
	reset_computes
	for ((i = 0; i < 180; i++)); do
		n=$(computes_up)
		if [ "$n" -ge "${#COMPUTES[@]}" ]; then break; fi
		sleep 1
	done
	[ "$n" -ge "${#COMPUTES[@]}" ] || die "only $n of ${#COMPUTES[@]} computes up; see $LOGS/compute-*.log"
	# nova-scheduler discovers new hosts every 5 s; nova-manage only if it lags.
	for ((i = 0; i < 300; i++)); do
		n=$(hypervisors)
		if [ "$n" -ge "${#COMPUTES[@]}" ]; then return 0; fi
		if [ "$i" = 30 ]; then
			nova_manage cell_v2 discover_hosts >>"$LOGS/setup.log" 2>&1 || true
		fi
		sleep 1
	done
	die "only $n of ${#COMPUTES[@]} hypervisors mapped"
}

cmd_up() {
	local t0 t
	t0=$(now)
	mkdir -p "$LOGS" "$RUN" "$ETC" "$SECRETS" "$DONE"
	t=$(now)
	"$HERE/install.sh"
	log "apt: $(elapsed "$t") s"

	t=$(now)
	write_configs
	restart_on_new_config nova-conductor nova-scheduler
	start_controllers
	sha256sum <"$ETC/nova/nova.conf" >"$RUN/nova.conf.sha"
	step resources resources
	start_networks
	start_bmcs
	power_on_computes
	wait_computes
	log "init: $(elapsed "$t") s"
	log "cloud up in $(elapsed "$t0") s (apt + init); admin env: $HERE/cloud.sh env"
}

ALL_SERVICES=(nova-api nova-scheduler nova-conductor neutron glance placement keystone rabbitmq rabbitmq-lazarus epmd memcached)

cmd_down() {
	local host name
	# BMCs first, so nothing powers a compute on again; then the computes, then the rest.
	# Every host with a pid file, whatever LAZARUS_E2E_COMPUTES was at `up`.
	local bmcs=() hosts=() f
	for f in "$RUN"/bmc-compute-*.pid; do [ -e "$f" ] && bmcs+=("$(basename "$f" .pid)"); done
	for f in "$RUN"/compute-*.pid; do [ -e "$f" ] && hosts+=("$(basename "$f" .pid)"); done
	if [ "${#bmcs[@]}" -gt 0 ]; then stop "${bmcs[@]}"; fi
	if [ "${#hosts[@]}" -gt 0 ]; then stop "${hosts[@]}"; fi
	for host in "${hosts[@]}"; do
		host_kill_all "$host"
		echo 0 >"$RUN/$host.power"
	done
	for f in "$RUN"/relay-*.pid; do [ -e "$f" ] && stop "$(basename "$f" .pid)"; done
	stop nova-api nova-scheduler nova-conductor neutron glance placement
	stop keystone
	stop rabbitmq rabbitmq-lazarus memcached
	stop epmd
	if [ "${1:-}" = "--purge" ]; then
		log "dropping databases ${DATABASES[*]} and the e2e user; removing $STATE"
		{
			for name in "${DATABASES[@]}"; do
				# shellcheck disable=SC2016 # backquotes are SQL identifier quotes
				printf 'DROP DATABASE IF EXISTS `%s`;\n' "$name"
			done
			printf "DROP USER IF EXISTS 'e2e'@'127.0.0.1';\nDROP USER IF EXISTS 'e2e'@'localhost';\n"
		} | mysql_root
		net_down_all
		rm -rf "$STATE"
	fi
}

cmd_status() {
	local name host rc=0
	for name in "${ALL_SERVICES[@]}"; do
		if running "$name"; then printf '%-16s running (pid %s)\n' "$name" "$(pid_of "$name")"; else
			printf '%-16s stopped\n' "$name"
			rc=1
		fi
	done
	local hosts f hostlist
	hosts=$(
		printf '%s\n' "${COMPUTES[@]}"
		for f in "$RUN"/compute-*.pid; do [ -e "$f" ] && basename "$f" .pid; done
	)
	mapfile -t hostlist < <(sort -uV <<<"$hosts")
	for host in "${hostlist[@]}"; do
		if running "bmc-$host"; then printf '%-16s running (pid %s)\n' "bmc-$host" "$(pid_of "bmc-$host")"; else
			printf '%-16s stopped\n' "bmc-$host"
			rc=1
		fi
		if [ "$(cat "$RUN/$host.power" 2>/dev/null || echo 0)" != 1 ]; then
			printf '%-16s powered off\n' "$host"
		elif running "$host"; then printf '%-16s running (pid %s, netns %s)\n' "$host" "$(pid_of "$host")" "$(host_ns "$host")"; else
			printf '%-16s powered on, nova-compute not running\n' "$host"
		fi
	done
	if [ -r "$STATE/openrc" ] && running keystone && running nova-api; then
		echo "Nova's compute services (binary host status state forced_down):"
		nova GET /os-services | jq -r '.services[] | "  \(.binary) \(.host) \(.status) \(.state) \(.forced_down)"' || rc=1
	fi
	return "$rc"
}

cmd_mem() {
	local f name kib
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		if running "$name"; then
			kib=$(session_rss_kib "$(pid_of "$name")")
			printf '%-16s %7.1f MiB\n' "$name" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')"
		fi
	done
	printf '%-16s %7.1f MiB\n' total "$(awk -v k="$(cloud_rss_kib "$RUN")" 'BEGIN { print k / 1024 }')"
}

cmd_env() {
	[ -r "$STATE/openrc" ] || die "no cloud configured; run $HERE/cloud.sh up"
	cat "$STATE/openrc"
	printf 'export OS_CLIENT_CONFIG_FILE=%s\n' "$STATE/clouds.yaml"
}

# main is one command, so bash has read all of this file before running any
# of it: editing the script while an `up` runs cannot derail that run.
main() {
	case "${1:-}" in
	up) cmd_up ;;
	down)
		shift
		cmd_down "$@"
		;;
	status) cmd_status ;;
	mem) cmd_mem ;;
	env) cmd_env ;;
	selftest) exec "$HERE/smoke.sh" ;;
	power)
		# power HOST on|off: the host's power switch, behind its BMC's back.
		[ $# = 3 ] || die "usage: $0 power HOST on|off"
		case $3 in
		on) LAZARUS_E2E_POWER_BY=switch "$HERE/lib/chassisctl.sh" "$STATE" "$2" set power 1 ;;
		off) LAZARUS_E2E_POWER_BY=switch "$HERE/lib/chassisctl.sh" "$STATE" "$2" set power 0 ;;
		*) die "usage: $0 power HOST on|off" ;;
		esac
		;;
	link)
		# link HOST mgmt|storage up|down: plug or unplug one of HOST's links.
		[ $# = 4 ] || die "usage: $0 link HOST mgmt|storage up|down"
		host_link "$2" "$3" "$4"
		;;
	net)
		# net: each host's namespace and addresses.
		local host
		for host in "${COMPUTES[@]}"; do
			printf '%s netns=%s mgmt=%s storage=%s\n' "$host" "$(host_ns "$host")" "$(host_mgmt_ip "$host")" "$(host_stor_ip "$host")"
		done
		;;
	restart-lazarus-rabbit) restart_lazarus_rabbit ;;
	ipmi)
		shift
		ipmi "$@"
		;;
	*)
		echo "usage: $0 up|down [--purge]|status|env|mem|selftest|ipmi HOST ARGS...|power HOST on|off|link HOST mgmt|storage up|down|net|restart-lazarus-rabbit" >&2
		exit 2
		;;
	esac
}

main "$@"; exit
