#!/usr/bin/env bash
# Installs Compose v2 as a Docker CLI plugin in $DOCKER_CONFIG/cli-plugins
# (../env.sh), so `docker compose` works without touching the system: Debian 13's
# `docker-compose` package (Compose 2.26), fetched with `apt-get download`
# through a private apt configuration (its own sources list, package lists and
# cache under $WSRELAY_CI_CACHE), as Debian 12 has only Compose v1.
#
# Prints the command to use: `docker compose` when v2 is installed (or was
# already there), else `docker-compose` (v1) when only v1 exists; exits 1
# when there is neither.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../env.sh
. "$here/../env.sh"

COMPOSE_SUITE=trixie
plugin=$DOCKER_CONFIG/cli-plugins/docker-compose
apt_dir=$WSRELAY_CI_CACHE/apt-$COMPOSE_SUITE

v2() { docker compose version --short 2>/dev/null | grep -q '^v\?2\.'; }

install_v2() {
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$(dirname "$plugin")"
  echo "deb $DEBIAN_MIRROR $COMPOSE_SUITE main" >"$apt_dir/sources.list"
  local apt=(apt-get -qq
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o Dir::State::Status=/dev/null -o APT::Sandbox::User=root)
  # The lists are fetched again only when a day old; the .deb is kept.
  if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
    "${apt[@]}" update || return 1
  fi
  local deb
  deb=$(cd "$apt_dir" && "${apt[@]}" --print-uris download docker-compose | awk '{print $2}')
  [ -n "$deb" ] || return 1
  if [ ! -s "$apt_dir/$deb" ]; then
    rm -f "$apt_dir"/docker-compose_*.deb
    (cd "$apt_dir" && "${apt[@]}" download docker-compose) || return 1
  fi
  local x=$apt_dir/extract
  rm -rf "$x" && mkdir -p "$x"
  dpkg-deb -x "$apt_dir/$deb" "$x"
  install -m 0755 "$x/usr/libexec/docker/cli-plugins/docker-compose" "$plugin"
  rm -rf "$x"
}

if v2 || { install_v2 >&2 && v2; }; then
  echo "docker compose"
elif command -v docker-compose >/dev/null; then
  echo "compose-plugin: no Compose v2 (Debian $COMPOSE_SUITE's docker-compose could not be fetched); using $(docker-compose version --short) (v1)" >&2
  echo "docker-compose"
else
  echo "compose-plugin: neither Compose v2 nor docker-compose (v1) could be installed" >&2
  exit 1
fi
