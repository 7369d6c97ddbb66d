#!/usr/bin/env bash
# Prints the path of a promtool for checking etc/prometheus: the one on
# PATH, else Debian's own, from the `prometheus` package, extracted into
# .cache/promtool with dpkg-deb. Extracting rather than installing keeps apt
# from starting a Prometheus server (the package's postinst would) on a
# machine that only runs tests.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if command -v promtool >/dev/null 2>&1; then
	command -v promtool
	exit 0
fi
p="$root/.cache/promtool/usr/bin/promtool"
if [ ! -x "$p" ]; then
	mkdir -p "$root/.cache/promtool"
	# Tests run in parallel: one extracts, the others wait, and nobody runs
	# a half-written binary ("text file busy").
	exec 9>"$root/.cache/promtool/.lock"
	flock 9
	if [ ! -x "$p" ]; then
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		chmod 0777 "$tmp" # apt-get download runs as _apt
		if ! (cd "$tmp" && apt-get download -q prometheus >/dev/null 2>&1); then
			apt-get update -q >/dev/null
			(cd "$tmp" && apt-get download -q prometheus >/dev/null)
		fi
		mkdir -p "$tmp/x"
		dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp/x" ./usr/bin/promtool
		mkdir -p "$(dirname "$p")"
		mv "$tmp/x/usr/bin/promtool" "$p"
		echo "[promtool] extracted $("$p" --version 2>&1 | head -1) from Debian's prometheus package into .cache/promtool" >&2
	fi
	exec 9>&-
fi
echo "$p"
