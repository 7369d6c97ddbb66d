#!/usr/bin/env bash
# The go command for this checkout: runs `go ARGS...` with a Go that is at
# least the version go.mod asks for (its `toolchain` line, else its `go`
# line). The Makefile's GO points here, so `make demo` and `make test` work
# on a Debian 12 that has no Go, or only Debian's Go 1.19:
#
#   1. a `go` on PATH or /usr/local/go/bin/go that is new enough is used as is;
#   2. else a toolchain fetched earlier into .cache/go/go<version> is used;
#   3. else it is fetched now: Debian's golang-go is installed with apt if no
#      Go at all is there (it only bootstraps), and the exact toolchain is
#      downloaded as the module golang.org/toolchain@v0.0.1-go<version>.<os>-<arch>
#      with `go mod download`, through the module proxy ($GOPROXY, default
#      https://proxy.golang.org) and checked against the checksum database
#      like any module. Nothing else is downloaded.
#
# Go 1.19 cannot switch toolchains itself (GOTOOLCHAIN is Go 1.21+), and a
# module zip keeps no file modes, so the toolchain is copied out of the
# module cache and its bin/ and pkg/tool/ files are made executable, the
# way Go 1.21+ does when it switches.
#
# Usage: test/toolchain.sh ARGS...    run go ARGS... with that Go
#        test/toolchain.sh --which    print the go binary's path
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="$root/.cache/go"

log() { printf '[toolchain] %s\n' "$*" >&2; }

# want: the version go.mod needs, as 1.26.8.
want=$(awk '$1 == "toolchain" { sub(/^go/, "", $2); print $2; exit }' "$root/go.mod")
if [ -z "$want" ]; then
	want=$(awk '$1 == "go" { print $2; exit }' "$root/go.mod")
fi
if [ -z "$want" ]; then
	log "no go line in $root/go.mod"
	exit 1
fi
# Since Go 1.21 the first release of 1.N is 1.N.0.
if [[ $want =~ ^1\.([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 21 ]; then
	want="$want.0"
fi

# new_enough GO: GO runs and its version is >= want.
new_enough() {
	local v
	v=$(GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || return 1
	v=${v#go}
	v=${v%%[-+ ]*}
	[ "$(printf '%s\n%s\n' "$want" "$v" | sort -V | head -1)" = "$want" ]
}

case "$(uname -m)" in
x86_64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
i?86) arch=386 ;;
*) arch=$(uname -m) ;;
esac
local_go="$cache/go$want/bin/go"

find_go() {
	local c
	for c in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$local_go"; do
		if [ -n "$c" ] && [ -x "$c" ] && new_enough "$c"; then
			printf '%s\n' "$c"
			return 0
		fi
	done
	return 1
}

fetch() {
	local boot mod tmp dir
	boot=$(command -v go 2>/dev/null || true)
	if [ -z "$boot" ] && [ -x /usr/local/go/bin/go ]; then
		boot=/usr/local/go/bin/go
	fi
	if [ -z "$boot" ]; then
		log "no Go found; installing Debian's golang-go to bootstrap"
		local sudo=""
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends golang-go ca-certificates >/dev/null
		boot=$(command -v go)
	fi
	mod="golang.org/toolchain@v0.0.1-go$want.linux-$arch"
	log "$("$boot" version) is older than go $want (go.mod); fetching $mod through ${GOPROXY:-https://proxy.golang.org}"
	local t0=$SECONDS
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/fetch.XXXXXX")
	# A throwaway module: Go < 1.21 cannot parse our go.mod's go line.
	printf 'module fetch\n\ngo 1.19\n' >"$tmp/go.mod"
	if ! (cd "$tmp" && env -u GOFLAGS GO111MODULE=on GOTOOLCHAIN=local GOMODCACHE="$tmp/mod" \
		"$boot" mod download -json "$mod" >"$tmp/download.json" 2>&1); then
		log "go mod download $mod failed:"
		cat "$tmp/download.json" >&2
		exit 1
	fi
	dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' "$tmp/download.json")
	if [ -z "$dir" ] || [ ! -f "$dir/bin/go" ]; then
		log "go mod download $mod gave no toolchain:"
		cat "$tmp/download.json" >&2
		exit 1
	fi
	cp -R "$dir" "$tmp/go$want"
	chmod -R u+w "$tmp/go$want"
	find "$tmp/go$want/bin" "$tmp/go$want/pkg/tool" -type f -exec chmod +x {} +
	# The module cache is read-only on purpose; make it removable.
	chmod -R u+w "$tmp/mod"
	rm -rf "$tmp/mod"
	rm -rf "$cache/go$want"
	mv "$tmp/go$want" "$cache/go$want"
	rm -rf "$tmp"
	new_enough "$local_go" || {
		log "$local_go does not report go $want"
		exit 1
	}
	log "fetched in $((SECONDS - t0))s; using $local_go"
}

if ! go=$(find_go); then
	mkdir -p "$cache"
	# One fetch at a time when make runs several go commands at once.
	exec 9>"$cache/.lock"
	flock 9
	go=$(find_go) || {
		fetch
		go=$local_go
	}
	exec 9>&-
fi

if [ "${1:-}" = "--which" ]; then
	printf '%s\n' "$go"
	exit 0
fi
goroot=$(dirname "$(dirname "$go")")
# Tests and tools that run `go` themselves get the same one.
PATH="$goroot/bin:$PATH" GOTOOLCHAIN=local exec "$go" "$@"
