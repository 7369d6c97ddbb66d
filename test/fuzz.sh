#!/usr/bin/env bash
# Runs every fuzz target in the module for FUZZTIME each (default 10s).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
count=0
for pkg in $(go list ./...); do
	for fn in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $fn ($fuzztime)"
		go test "$pkg" -run '^$' -fuzz "^${fn}\$" -fuzztime "$fuzztime"
		count=$((count + 1))
	done
done
echo "fuzzed $count targets"
