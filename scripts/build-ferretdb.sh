#!/usr/bin/env bash
# Builds the pinned FerretDB (tools/ferretdb/go.mod) into .cache/ferretdb/ferretdb, once.
#
# Reuse: every build is stamped (FerretDB version, Go version and platform, go.sum digest) in
# .cache/ferretdb/stamp. A binary whose stamp matches is reused as it is; failing that, one with
# the same stamp in the machine's cache ($MONGORX_CACHE_DIR, default ~/.cache/mongorx), which
# every clone on this machine shares (CI runs in a fresh clone), is copied in. Only then is it
# built, and the result goes to both places. MONGORX_FERRETDB_REBUILD=1 forces a build.
#
# FerretDB's version package panics unless build/version/version.txt holds "v<semver>"; that
# file is generated in FerretDB's own repository and absent from the module zip, so we vendor
# the module and write it before building.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.cache/ferretdb/ferretdb"
stampfile="$root/.cache/ferretdb/stamp"
version=v1.24.2
mod="$root/tools/ferretdb"
started=$SECONDS

say() { echo "[ferretdb +$((SECONDS - started))s] $*"; }
# Whether binary $1 runs and reports $version (read whole: `| grep -q` can SIGPIPE it under pipefail).
runs() {
  local reported
  [ -x "$1" ] && reported=$("$1" --version 2>/dev/null) && [[ $reported == *"version: $version"* ]]
}

# FerretDB needs Go >= 1.24; an older local Go fetches a newer toolchain through the module proxy.
if ! command -v go >/dev/null 2>&1; then
  if runs "$out"; then
    say "$version already built: $out (no Go here to check its stamp)"
    exit 0
  fi
  say "Go is not installed; installing Debian's golang to bootstrap a toolchain"
  apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
fi
minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${minor:-0}" -lt 24 ]; then
  export GOTOOLCHAIN=go1.24.11
  say "local $(go env GOVERSION 2>/dev/null || echo 'Go') is older than 1.24: using $GOTOOLCHAIN (fetched once)"
fi
gover=$(cd "$mod" && go env GOVERSION GOOS GOARCH | paste -sd' ')
sum=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)
stamp="ferretdb $version; $gover; modules $sum"

if [ "${MONGORX_FERRETDB_REBUILD:-}" != 1 ]; then
  if runs "$out" && [ "$(cat "$stampfile" 2>/dev/null)" = "$stamp" ]; then
    say "reusing $out ($stamp)"
    exit 0
  fi
fi

cache="${MONGORX_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mongorx}/ferretdb/$(echo "$stamp" | sha256sum | cut -c1-16)"
mkdir -p "$(dirname "$out")"
if [ "${MONGORX_FERRETDB_REBUILD:-}" != 1 ] && runs "$cache/ferretdb" &&
  [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; then
  cp "$cache/ferretdb" "$out.tmp.$$" && mv -f "$out.tmp.$$" "$out"
  echo "$stamp" >"$stampfile"
  say "reusing the machine's build from $cache ($stamp)"
  exit 0
fi

say "building ($stamp); a cold Go cache takes a few minutes"
# A line every 30 s, so a long build is not mistaken for a hang.
(while sleep 30 </dev/null >/dev/null 2>&1; do say "still building"; done) &
heartbeat=$!
trap 'kill "$heartbeat" 2>/dev/null || true; rm -f "$out.tmp.$$"' EXIT
cd "$mod"
say "go mod download"
go mod download
say "go mod vendor"
go mod vendor
echo "$version" >vendor/github.com/FerretDB/FerretDB/build/version/version.txt
say "go build"
# Into a temporary file first: an interrupted build never leaves a half-written binary behind.
# -trimpath keeps the clone's path out of the build, so Go's build cache serves every clone.
go build -trimpath -mod=vendor -o "$out.tmp.$$" github.com/FerretDB/FerretDB/cmd/ferretdb
mv -f "$out.tmp.$$" "$out"
echo "$stamp" >"$stampfile"
runs "$out" || { say "the built binary does not report $version" >&2; exit 1; }
if mkdir -p "$cache" 2>/dev/null && cp "$out" "$cache/ferretdb.tmp.$$" 2>/dev/null; then
  mv -f "$cache/ferretdb.tmp.$$" "$cache/ferretdb"
  echo "$stamp" >"$cache/stamp"
  say "built $out (kept for other clones in $cache)"
else
  rm -f "$cache/ferretdb.tmp.$$"
  say "built $out ($cache not writable: not shared)"
fi
