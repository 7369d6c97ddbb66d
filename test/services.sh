#!/usr/bin/env bash
# Ensures the real services Lazarus's tests, demo and benchmarks talk to are
# installed and answering on 127.0.0.1: PostgreSQL, RabbitMQ, the ipmi_sim
# BMC simulator (openipmi), ipmitool, fence-agents, and the real openstack
# CLI with python3-masakariclient, and headless Chromium. Installs what is missing with apt (needs
# root), starts what is stopped, and leaves running services alone.
# Idempotent; safe to run before every test run.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_updated=""
need_pkg() { # need_pkg COMMAND PACKAGE...
	if ! command -v "$1" >/dev/null 2>&1; then
		shift
		if [ -z "$apt_updated" ]; then
			log "apt-get update"
			$SUDO apt-get update -q >/dev/null
			apt_updated=1
		fi
		log "installing $*"
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" >/dev/null
	fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# PostgreSQL.
if ! port_open 5432; then
	if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
		need_pkg pg_ctlcluster postgresql
		# A package install may have created and started a cluster already.
	fi
	if ! port_open 5432; then
		ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
		if [ ! -d "/etc/postgresql/$ver/main" ]; then
			$SUDO pg_createcluster "$ver" main >/dev/null
		fi
		log "starting PostgreSQL $ver"
		$SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $SUDO pg_ctlcluster "$ver" main start
	fi
	for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
fi
# Tests connect as postgres over TCP without a password (trust on loopback).
if ! psql "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" -Atqc 'select 1' >/dev/null 2>&1; then
	log "allowing trust auth for postgres on 127.0.0.1"
	hba=$($SUDO -u postgres psql -Atqc 'show hba_file' 2>/dev/null || su postgres -c "psql -Atqc 'show hba_file'")
	$SUDO sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
	$SUDO -u postgres psql -qc 'select pg_reload_conf()' >/dev/null 2>&1 || su postgres -c "psql -qc 'select pg_reload_conf()'" >/dev/null
	sleep 1
fi
if ! psql "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" -Atqc 'select 1' >/dev/null 2>&1; then
	psql "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" -qc 'CREATE DATABASE test' >/dev/null
fi

# RabbitMQ.
if ! port_open 5672; then
	need_pkg rabbitmq-server rabbitmq-server
	if ! port_open 5672; then
		log "starting RabbitMQ"
		# The node is named after localhost: a Debian install maps the host
		# name to 127.0.1.1, where an epmd bound to 127.0.0.1 is not found.
		# rabbitmq-env.conf tells rabbitmqctl (the tests use it) the same.
		if ! grep -qs '^NODENAME=' /etc/rabbitmq/rabbitmq-env.conf; then
			echo 'NODENAME=rabbit@localhost' | $SUDO tee -a /etc/rabbitmq/rabbitmq-env.conf >/dev/null
		fi
		$SUDO env RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 rabbitmq-server -detached
	fi
	for _ in $(seq 1 90); do port_open 5672 && break; sleep 1; done
	$SUDO rabbitmqctl -n rabbit@localhost await_startup >/dev/null 2>&1 || $SUDO rabbitmqctl await_startup >/dev/null 2>&1 || true
fi
port_open 5672 || { log "RabbitMQ did not start"; exit 1; }

# Simulators and real clients the tests drive.
need_pkg ipmi_sim openipmi
need_pkg ipmitool ipmitool
need_pkg fence_ipmilan fence-agents
need_pkg openstack python3-openstackclient python3-masakariclient
need_pkg shellcheck shellcheck
# The DevStack plugin's test talks to the API with curl (not in a minimal Debian).
need_pkg curl curl
# make test runs the race detector, which needs cgo, hence a C compiler.
need_pkg gcc gcc libc6-dev
[ -e /usr/include/stdio.h ] || need_pkg no-such-command-libc6-dev libc6-dev
# Headless Chromium: the status page tests (test/cli) and make demo's screenshots.
need_pkg chromium chromium
need_pkg ip iproute2
# make bench: the HTTP load generator of the API rows (cmd/lazarus-api).
need_pkg wrk wrk
# The instance monitor's test runs a private libvirtd with a disk-less TCG domain.
need_pkg libvirtd libvirt-daemon-system libvirt-clients qemu-system-x86
/usr/bin/python3 -c 'import masakariclient' 2>/dev/null || need_pkg no-such-command-masakari python3-masakariclient
log "ready: PostgreSQL :5432, RabbitMQ :5672, ipmi_sim, ipmitool, fence_ipmilan, openstack CLI, shellcheck, libvirtd/qemu"
