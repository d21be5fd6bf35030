#!/usr/bin/env bash
# Starts or stops the Docker engine CI runs by hand: Debian's `docker.io`
# dockerd as root, with its own data root, exec root and socket (../env.sh), the
# overlay2 storage driver and no iptables rules (CI's network is the host's
# own; containers reach one another on Compose's bridge, and builds use the
# host's network). It never touches a system Docker.
#
#   .ci/docker/engine.sh check   # can an engine run here? says why not, exits 1
#   .ci/docker/engine.sh start   # check, install docker.io if missing, start, wait
#   .ci/docker/engine.sh stop    # stop the engine started by `start` (its containers too)
#
# Callers source ../env.sh for DOCKER_HOST and DOCKER_CONFIG.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../env.sh
. "$here/../env.sh"

run=$WSRELAY_DOCKER_RUN
data=$WSRELAY_CI_CACHE/docker-data
pidfile=$run/dockerd.pid
log=$run/dockerd.log

# Prints why an engine cannot run here (one reason a line); empty when it can.
why_not() {
  [ "$(id -u)" -eq 0 ] ||
    echo "not root: dockerd needs root here (CI runs as root; rootless Docker is not set up)"
  [ "$(uname -s)" = Linux ] || echo "not Linux: dockerd runs on Linux only"
  if [ ! -e /sys/fs/cgroup/cgroup.controllers ] && [ ! -d /sys/fs/cgroup/memory ]; then
    echo "no cgroups mounted at /sys/fs/cgroup (v1 or v2): containers need them"
  fi
  if ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
    echo "no overlay filesystem in this kernel (/proc/filesystems): overlay2 needs it"
  fi
  mkdir -p "$data" 2>/dev/null || true
  case "$(stat -f -c %T "$data" 2>/dev/null)" in
    overlayfs | aufs)
      echo "$data is on $(stat -f -c %T "$data"): overlay2 cannot stack on it (set WSRELAY_CI_CACHE to a path on ext4 or xfs)"
      ;;
  esac
  if ! command -v dockerd >/dev/null && ! command -v apt-get >/dev/null; then
    echo "no dockerd and no apt-get to install Debian's docker.io"
  fi
}

check() {
  local reasons
  reasons=$(why_not)
  if [ -n "$reasons" ]; then
    echo "engine: cannot run a Docker engine here:"
    printf '  - %s\n' "$reasons"
    return 1
  fi
  echo "engine: root, cgroups, overlay: a Docker engine can run here"
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  check || return 1
  # dockerd, runc, containerd and the docker CLI, and iptables, which the
  # engine uses inside each container for its DNS even with --iptables=false.
  if ! command -v dockerd >/dev/null || ! command -v iptables >/dev/null; then
    echo "engine: apt-get install docker.io"
    apt-get update -qq && apt-get install -y -qq docker.io >/dev/null
  fi
  mkdir -p "$run" "$data" "$DOCKER_CONFIG"
  if running; then
    echo "engine: already running (pid $(cat "$pidfile"))"
    return 0
  fi
  # A stale socket or pid file from a run that was killed.
  rm -f "$run/docker.sock" "$pidfile"
  # setsid: its own process group, so a Ctrl-C in this shell does not stop it
  # before `stop` has stopped its containers.
  setsid dockerd \
    --data-root "$data" \
    --exec-root "$run/exec" \
    --host "$DOCKER_HOST" \
    --pidfile "$pidfile" \
    --storage-driver overlay2 \
    --iptables=false \
    --log-level warn \
    >"$log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 60); do
    if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
      echo "engine: dockerd $(docker version --format '{{.Server.Version}}') on $DOCKER_HOST, data in $data"
      return 0
    fi
    if ! kill -0 $! 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "engine: dockerd did not start; the end of $log:"
  tail -n 20 "$log"
  return 1
}

stop() {
  if ! running; then
    echo "engine: not running"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  # dockerd stops its containers (each with its stop signal) and its
  # containerd, then exits.
  kill -TERM "$pid"
  local i
  for i in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "engine: stopped"
      return 0
    fi
    sleep 0.5
  done
  echo "engine: dockerd (pid $pid) still running after 30 s; the end of $log:"
  tail -n 20 "$log"
  return 1
}

case "${1:-}" in
  check) check ;;
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 check|start|stop" >&2
    exit 2
    ;;
esac
