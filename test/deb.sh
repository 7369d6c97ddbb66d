#!/usr/bin/env bash
# make deb: builds dist/lazarus_<version>_<arch>.deb from packaging/nfpm.yaml
# with nfpm (github.com/goreleaser/nfpm), run with `go run` at a pinned
# version: nothing to install, no new dependency in go.mod, and the same
# nfpm on every machine. The binaries are built static (CGO_ENABLED=0) so
# the package runs on any Debian-like amd64/arm64 system.
#
# Environment: GO (default go), VERSION (default 0.0~git<commits>.<sha>),
# DEB_REUSE_BIN=1 packs the binaries already in dist/bin (the package test
# builds a second version to upgrade to).
# Writes dist/bin/ and dist/lazarus_<version>_<arch>.deb; prints the .deb's
# path.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
GO=${GO:-go}
NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
DIST=dist
if [ -z "${VERSION:-}" ]; then
	VERSION="0.0~git$(git rev-list --count HEAD 2>/dev/null || echo 0).$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
fi
DEB_ARCH=$($GO env GOARCH)
DEB_BIN="$DIST/bin" # packaging/nfpm.yaml names dist/bin
export VERSION DEB_ARCH
start=$(date +%s)
if [ "${DEB_REUSE_BIN:-}" != 1 ] || [ ! -x "$DEB_BIN/lazarus-api" ]; then
	rm -rf "$DEB_BIN"
	mkdir -p "$DEB_BIN"
	CGO_ENABLED=0 $GO build -trimpath -ldflags "-s -w" -o "$DEB_BIN/" ./cmd/lazarus ./cmd/lazarus-api ./cmd/lazarus-engine \
		./cmd/lazarus-hostmonitor ./cmd/lazarus-processmonitor ./cmd/lazarus-instancemonitor ./cmd/lazarus-manage
fi
deb="$DIST/lazarus_${VERSION}_${DEB_ARCH}.deb"
rm -f "$deb"
$GO run "$NFPM" package --config packaging/nfpm.yaml --packager deb --target "$deb" >&2
echo "[deb] $deb ($(du -h "$deb" | cut -f1)) in $(( $(date +%s) - start ))s" >&2
echo "$root/$deb"
