#!/usr/bin/env bash
# Upgrades the relays of the docker compose stack without losing a session:
# builds the relay image, starts one new replica on it for each relay still
# on an older image, waits until they are healthy, reloads nginx once (it
# then knows their addresses), and drains the old relays one at a time with
# SIGTERM: each old relay's sessions close with 1001, reconnect, and nginx
# (least_conn) spreads them over the relays that are not draining. Then
# removes the old containers and reloads nginx again. The echo service is
# left alone, and nginx keeps its own connections.
#
#   deploy/upgrade-relays.sh                         # Compose v2
#   COMPOSE=docker-compose deploy/upgrade-relays.sh  # Compose v1
#
# Run it where you run `docker compose`; Compose's own variables apply
# (COMPOSE_FILE, COMPOSE_PROJECT_NAME). docs/operations.md explains why each
# step is there.
set -euo pipefail

read -r -a compose <<<"${COMPOSE:-docker compose}"
HEALTHY_TIMEOUT_S=120
# How long the drained sessions get to reconnect before nginx's last reload:
# the console's reconnect delay grows to 30 s at most.
RECONNECT_TIMEOUT_S=30

say() { printf 'upgrade-relays: %s\n' "$*"; }
relays() { "${compose[@]}" ps -q relay; }
image_of() { docker inspect --format '{{.Image}}' "$1"; }
name_of() { docker inspect --format '{{.Name}}' "$1" | sed 's|^/||'; }
reload_nginx() {
  local out
  out=$("${compose[@]}" exec -T nginx nginx -s reload 2>&1) || {
    echo "$out" >&2
    return 1
  }
}

# Open sessions on the given relay containers, from each relay's /healthz;
# empty when a relay does not answer it (another listen port or health path).
sessions_on() {
  local c n sum=0
  for c in "$@"; do
    n=$(docker exec "$c" node -e \
      "fetch('http://127.0.0.1:8080/healthz').then((r) => r.json()).then((b) => console.log(b.connections))" \
      2>/dev/null) || return 0
    sum=$((sum + n))
  done
  echo "$sum"
}

wait_healthy() {
  local deadline=$((SECONDS + HEALTHY_TIMEOUT_S)) state
  while :; do
    state=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1")
    case $state in
      healthy | running) return 0 ;;
      unhealthy | exited | dead)
        say "$(name_of "$1") is $state; the old relays keep running. Its last lines:"
        docker logs --tail 20 "$1" >&2
        return 1
        ;;
    esac
    if [ $SECONDS -ge $deadline ]; then
      say "$(name_of "$1") not healthy after ${HEALTHY_TIMEOUT_S} s; the old relays keep running"
      return 1
    fi
    sleep 1
  done
}

say "building the relay image"
"${compose[@]}" build relay

mapfile -t running < <(relays)
if [ ${#running[@]} -eq 0 ]; then
  say "no relay is running: start the stack with \`${compose[*]} up -d\`"
  exit 1
fi
image=$(docker image inspect --format '{{.Id}}' "$(docker inspect --format '{{.Config.Image}}' "${running[0]}")")
old=()
for container in "${running[@]}"; do
  [ "$(image_of "$container")" = "$image" ] || old+=("$container")
done
if [ ${#old[@]} -eq 0 ]; then
  say "all ${#running[@]} relay(s) already run the new image"
  exit 0
fi

# New replicas beside the old ones: the old keep their sessions meanwhile.
"${compose[@]}" up -d --no-deps --no-recreate --scale relay=$((${#running[@]} + ${#old[@]})) relay
mapfile -t new < <(comm -13 <(printf '%s\n' "${running[@]}" | sort) <(relays | sort))
if [ ${#new[@]} -ne ${#old[@]} ]; then
  say "expected ${#old[@]} new relay container(s), got ${#new[@]}"
  exit 1
fi
for container in "${new[@]}"; do wait_healthy "$container"; done
# nginx resolves `relay` when it (re)loads: only now does it send sessions to
# the new replicas. One reload for all, so its least_conn counts, which start
# again at each reload, see every session that moves.
reload_nginx
sessions=$(sessions_on "${old[@]}")
say "${#new[@]} new relay(s) healthy; draining the ${#old[@]} old one(s), with ${sessions:-an unknown number of} session(s), one at a time"
for container in "${old[@]}"; do
  name=$(name_of "$container")
  # SIGTERM, then up to the container's stop_grace_period for the drain.
  docker stop "$container" >/dev/null
  say "$name drained ($(docker inspect --format 'exit code {{.State.ExitCode}}' "$container"))"
  docker rm "$container" >/dev/null
done
# The last reload drops the old addresses, and least_conn's counts start
# again: first let the drained sessions land on the new relays, each seen
# and counted by nginx.
if [ -n "$sessions" ]; then
  deadline=$((SECONDS + RECONNECT_TIMEOUT_S))
  while back=$(sessions_on "${new[@]}") && [ "${back:-0}" -lt "$sessions" ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.5
  done
  say "${back:-?} of $sessions session(s) back, on the new relays"
fi
reload_nginx
say "${#old[@]} relay(s) upgraded"
