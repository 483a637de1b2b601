#!/usr/bin/env bash
# Builds the pinned FerretDB (tools/ferretdb/go.mod) into .cache/ferretdb/ferretdb, once.
# FerretDB's version package panics unless build/version/version.txt holds "v<semver>"; that
# file is generated in FerretDB's own repository and absent from the module zip, so we vendor
# the module and write it before building.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.cache/ferretdb/ferretdb"
version=v1.24.2
if [ -x "$out" ] && "$out" --version 2>/dev/null | grep -q "$version"; then
  echo "ferretdb $version already built: $out"
  exit 0
fi
# FerretDB needs Go >= 1.24; an older local Go fetches a newer toolchain through the module proxy.
if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed; installing Debian's golang to bootstrap a toolchain" >&2
  apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
fi
minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${minor:-0}" -lt 24 ]; then export GOTOOLCHAIN=go1.24.11; fi
cd "$root/tools/ferretdb"
go mod download
go mod vendor
echo "$version" > vendor/github.com/FerretDB/FerretDB/build/version/version.txt
mkdir -p "$(dirname "$out")"
go build -mod=vendor -o "$out" github.com/FerretDB/FerretDB/cmd/ferretdb
echo "built $out"
