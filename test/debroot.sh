#!/usr/bin/env bash
# Prints the path of a minimal Debian 12 root (debootstrap --variant=minbase,
# plus adduser, the package's one dependency) kept in .cache/debroot for the
# package test (test/ops), which installs the .deb into a throwaway overlay
# of it: dpkg, the maintainer scripts and the lazarus user never touch this
# machine. Built once, from the mirror this machine's apt uses (about a
# minute); needs root. Installs debootstrap if it is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="$root/.cache/debroot/bookworm"
log() { printf '[debroot] %s\n' "$*" >&2; }
export PATH="$PATH:/usr/sbin:/sbin"
if [ -x "$dir/usr/bin/dpkg" ] && [ -x "$dir/usr/sbin/adduser" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$root/.cache/debroot"
exec 9>"$root/.cache/debroot/.lock"
flock 9
if [ ! -x "$dir/usr/sbin/adduser" ]; then
	if ! command -v debootstrap >/dev/null 2>&1; then
		log "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends debootstrap >/dev/null
	fi
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	rm -rf --one-file-system "$dir.tmp"
	log "debootstrap bookworm (minbase + adduser) from $mirror into $dir"
	start=$(date +%s)
	debootstrap --variant=minbase --include=adduser bookworm "$dir.tmp" "$mirror" >"$root/.cache/debroot/debootstrap.log" 2>&1 ||
		{ tail -20 "$root/.cache/debroot/debootstrap.log" >&2; exit 1; }
	rm -rf --one-file-system "$dir"
	mv "$dir.tmp" "$dir"
	log "done in $(( $(date +%s) - start ))s"
fi
echo "$dir"
