#!/usr/bin/env bash
# make fresh-machine: README's quick start on a fresh, Go-less Debian 12.
#
# Builds a Debian 12 (bookworm) root with debootstrap from the mirror this
# machine's apt uses (minbase plus git, make and ca-certificates: what the
# quick start's `git clone && make demo` needs), clones this checkout's HEAD
# into it, and runs `make demo` (or FRESH_TARGETS) there from the clean clone.
# The root has no Go: test/toolchain.sh installs Debian's golang-go (1.19)
# and fetches go.mod's toolchain through the module proxy, test/services.sh
# installs and starts PostgreSQL, RabbitMQ and the rest with apt.
#
# Isolation: the root runs in a network namespace of its own, so its
# PostgreSQL, RabbitMQ and epmd listen on its own 127.0.0.1 and cannot
# collide with (or be mistaken for) this machine's. Its only way out is
# slirp4netns, a user-mode NAT in a single process: apt and the Go module
# proxy are reached the way a fresh machine reaches them, without enabling
# IP forwarding or touching this machine's firewall, and with
# --disable-host-loopback this machine's own 127.0.0.1 services stay out of
# reach. The root also gets a mount and a PID namespace: every daemon apt or
# the demo started dies with it, and /proc, /dev, /sys vanish with it.
#
# Needs root. Environment: FRESH_TARGETS (default "demo"; "demo test" also
# runs the tests there), FRESH_DIR (default /var/tmp/lazarus-fresh),
# FRESH_KEEP=1 keeps the root afterwards, FRESH_MIRROR overrides the mirror.
# FRESH_REUSE=1 reuses a kept root (with what apt installed in it; only the
# clone is fresh): for debugging this script, not a fresh machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
targets=${FRESH_TARGETS:-demo}
work=${FRESH_DIR:-/var/tmp/lazarus-fresh}
ns="lazarus-fresh-$$"
slirp_pid=""

log() { printf '[fresh-machine] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
	log "needs root (debootstrap, chroot, network namespaces)"
	exit 1
fi

need() { # need COMMAND PACKAGE
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ]; then
		log "installing $2"
		DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends "$2" >/dev/null
	fi
}
need debootstrap debootstrap
need slirp4netns slirp4netns
need ip iproute2
need unshare util-linux
export PATH="$PATH:/usr/sbin:/sbin"

# The mirror this machine's apt uses for Debian itself.
mirror=${FRESH_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
	local rc=$?
	if [ -n "$slirp_pid" ]; then kill "$slirp_pid" 2>/dev/null || true; wait "$slirp_pid" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true
	# Every mount lived in the root's private mount namespace; refuse to
	# delete anything if one leaked into ours.
	if findmnt -rn -o TARGET | grep -q "^$work/"; then
		log "mounts left under $work; not deleting it"
	elif [ "${FRESH_KEEP:-}" = 1 ]; then
		log "kept $work/root"
	else
		rm -rf --one-file-system "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT

if findmnt -rn -o TARGET | grep -q "^$work/"; then
	log "something is mounted under $work; unmount it first"
	exit 1
fi
reuse=""
if [ "${FRESH_REUSE:-}" = 1 ] && [ -x "$work/root/usr/bin/make" ]; then
	reuse=1
	log "reusing $work/root (FRESH_REUSE=1: not a fresh machine)"
	rm -rf --one-file-system "$work/root/root/lazarus"
else
	rm -rf --one-file-system "$work"
	mkdir -p "$work"
fi
dirty=$(git -C "$repo" status --porcelain --untracked-files=no)
[ -z "$dirty" ] || log "uncommitted changes in $repo are not in the clone (it takes HEAD)"

start=$(date +%s)
t_boot=0
if [ -z "$reuse" ]; then
	log "debootstrap bookworm from $mirror"
	debootstrap --variant=minbase --include=git,make,ca-certificates bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; exit 1; }
	t_boot=$(( $(date +%s) - start ))
fi
log "debootstrap: ${t_boot}s"

# What a fresh machine has and this root lacks: a resolver and its name.
echo "nameserver 10.0.2.3" >"$work/root/etc/resolv.conf"
printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost\n' "$(hostname)" >"$work/root/etc/hosts"
# This machine reaches the network through a TLS-intercepting egress proxy
# whose CA it trusts in /usr/local/share/ca-certificates (Debian's place for
# local CAs). Any machine on this network needs that CA, a fresh one too;
# without it the module proxy's certificate is "signed by unknown authority".
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
	mkdir -p "$work/root/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$work/root/usr/local/share/ca-certificates/"
	chroot "$work/root" update-ca-certificates >/dev/null 2>&1
	log "trusting this machine's local CAs: $(cd /usr/local/share/ca-certificates && echo *.crt)"
fi
if [ -z "$reuse" ] && { [ -e "$work/root/usr/bin/go" ] || [ -e "$work/root/usr/local/go" ]; }; then
	log "the root has a Go already"
	exit 1
fi

git clone -q --no-hardlinks "$repo" "$work/root/root/lazarus"
git -C "$work/root/root/lazarus" checkout -q --detach "$(git -C "$repo" rev-parse HEAD)"
log "cloned $(git -C "$repo" rev-parse --short HEAD) into /root/lazarus"

ip netns add "$ns"
ip -n "$ns" link set lo up
slirp4netns --configure --mtu=65520 --disable-host-loopback --netns-type=path "/run/netns/$ns" tap0 >"$work/slirp.log" 2>&1 &
slirp_pid=$!
for _ in $(seq 1 50); do
	ip -n "$ns" -4 addr show tap0 2>/dev/null | grep -q 10.0.2.100 && break
	sleep 0.1
done
ip -n "$ns" -4 addr show tap0 | grep -q 10.0.2.100 || { log "slirp4netns did not come up"; cat "$work/slirp.log" >&2; exit 1; }

# Inside: a private mount and PID namespace; the chroot sees only its own
# processes and network. PID 1 is this bash: when it exits, the kernel kills
# every daemon left in the namespace.
log "running 'make $targets' in the root (own network, mount and PID namespaces)"
t0=$(date +%s)
read -ra tlist <<<"$targets"
set +e
# shellcheck disable=SC2016 # the inner script expands its own variables
ip netns exec "$ns" unshare --mount --pid --fork --propagation private bash -c '
	set -e
	r="$1"; shift
	# The root is a mount point, as / is on a real machine (ip netns exec
	# remounts / and fails on a plain directory).
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount --rbind /dev "$r/dev"
	mount --make-rslave "$r/dev"
	mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
	mount -t sysfs -o ro sysfs "$r/sys"
	mount -t tmpfs tmpfs "$r/run"
	mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
	set +e
	chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /root/lazarus && for t in \$0 \"\$@\"; do s=\$(date +%s); make \"\$t\" || exit; echo \"[fresh-machine] make \$t: \$(( \$(date +%s) - s ))s\" >&2; done" "$@"
	rc=$?
	umount -R "$r" 2>/dev/null
	exit $rc
' fresh "$work/root" "${tlist[@]}" 2>&1 | while IFS= read -r line; do
	# Seconds since make started, so the phases (apt, toolchain, modules,
	# build, demo) can be read off the log.
	printf '[%4ds] %s\n' $(( $(date +%s) - t0 )) "$line"
done
rc=${PIPESTATUS[0]}
set -e
t_run=$(( $(date +%s) - t0 ))
log "debootstrap ${t_boot}s; make $targets in the root ${t_run}s; total $(( $(date +%s) - start ))s; exit $rc"
for tc in "$work"/root/root/lazarus/.cache/go/go*; do
	[ -d "$tc" ] && log "toolchain fetched in the root: .cache/go/${tc##*/}"
done
exit "$rc"
