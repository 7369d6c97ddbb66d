#!/usr/bin/env bash
# Installs, from Debian 12's own packages, everything the e2e test cloud
# runs: Keystone, Glance, Placement, Neutron (API only), Nova
# api/conductor/scheduler (python3-nova; not the nova-compute package, which
# pulls libvirt and qemu), memcached, the MySQL driver, ipmi_sim, ipmitool,
# the openstack CLI with the Masakari plugin, MariaDB (if the machine has
# none yet), jq and curl, socat and iproute2 (the hosts' namespaces and relays).
#
# Debconf is preseeded so that no package configures a database, a broker or
# Keystone endpoints, and a policy-rc.d keeps postinst scripts from starting
# any service; it is removed again afterwards (only if this script made it).
# Prints how long apt took. Does nothing when everything is installed.
set -euo pipefail

PACKAGES=(
	keystone glance-api placement-api neutron-server
	nova-api nova-conductor nova-scheduler python3-nova
	memcached python3-memcache python3-pymysql
	uwsgi-core uwsgi-plugin-python3
	openipmi ipmitool
	python3-openstackclient python3-masakariclient
	mariadb-server mariadb-client jq curl socat iproute2
)

missing=()
installed=" $(dpkg-query -W -f='${Package}:${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
	awk -F: '$2 == "install ok installed" { printf "%s ", $1 }' || true)"
for p in "${PACKAGES[@]}"; do
	case "$installed" in *" $p "*) ;; *) missing+=("$p") ;; esac
done
if [ "${#missing[@]}" -eq 0 ]; then
	echo "[e2e] apt: all ${#PACKAGES[@]} packages already installed (0 s)"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "[e2e] installing packages needs root: ${missing[*]}" >&2
	exit 1
fi

# Answer every question so no package touches a database, a broker or the
# Keystone catalog: the cloud's configs are written by cloud.sh from empty files.
preseed() {
	local pkg
	for pkg in keystone glance nova neutron placement; do
		printf '%s %s/configure_db boolean false\n' "$pkg" "$pkg"
		printf '%s %s/configure_rabbit boolean false\n' "$pkg" "$pkg"
		printf '%s %s/configure_ksat boolean false\n' "$pkg" "$pkg"
		printf '%s %s/configure_api-endpoint boolean false\n' "$pkg" "$pkg"
	done
	printf 'keystone keystone/create-admin-tenant boolean false\n'
	printf 'keystone keystone/register-endpoint boolean false\n'
	printf 'nova nova/configure_neutron boolean false\n'
	printf 'nova nova/configure_placement boolean false\n'
	printf 'neutron neutron/configure_nova boolean false\n'
	for pkg in keystone glance-common nova-common neutron-common placement-common; do
		printf '%s %s/dbconfig-install boolean false\n' "$pkg" "$pkg"
	done
}
preseed | debconf-set-selections

policy=/usr/sbin/policy-rc.d
marker="# lazarus-e2e: keep postinst from starting services"
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n%s\nexit 101\n' "$marker" >"$policy"
	chmod 0755 "$policy"
	made_policy=1
fi
cleanup() {
	if [ -n "$made_policy" ] && grep -qF "$marker" "$policy" 2>/dev/null; then
		rm -f "$policy"
	fi
}
trap cleanup EXIT

start=$(date +%s.%N)
echo "[e2e] apt: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
if ! apt-get "${apt_opts[@]}" install -y -q --no-install-recommends "${missing[@]}"; then
	apt-get "${apt_opts[@]}" update -q
	apt-get "${apt_opts[@]}" install -y -q --no-install-recommends "${missing[@]}"
fi
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "[e2e] apt: done in %.1f s\n", e - s }'
