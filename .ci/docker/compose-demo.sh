#!/usr/bin/env bash
# The compose demo for real, as a user runs it: starts a Docker engine
# (engine.sh), builds the stand-in base images (base-images.sh), installs
# Compose v2 (compose-plugin.sh; v1 where only v1 exists), then
# `docker compose up --build`, waits until every container is healthy, runs
# e2e/compose (Chromium through nginx: red and blue lines, sessions spread,
# deploy/upgrade-relays.sh, a relay drained, every relay stopped), stops the
# stack and checks every exit code, `docker compose down`, and stops the
# engine. Prints how long each phase took.
#
# Exit codes: 0 passed, 1 failed, 3 no Docker engine can run here (the reason
# is printed; .ci/smoke-compose.py still runs the services' commands).
set -uo pipefail
cd "$(dirname "$0")/../.."
here=.ci/docker
# shellcheck source=../env.sh
. "$here/../env.sh"

started=$SECONDS
mark=$SECONDS
phase() {
  echo "compose-demo: $* ($((SECONDS - mark)) s)"
  mark=$SECONDS
}
fail() {
  echo "compose-demo: FAILED: $*"
  exit 1
}

"$here/engine.sh" check || exit 3

export COMPOSE_PROJECT_NAME=wsrelay-ci
export COMPOSE_FILE=docker-compose.yml:$here/compose.ci.yml
# The e2e port block (e2e/ports.ts) plus 180: free of `pnpm test`'s ports.
export NGINX_PORT=$((${E2E_PORT_BASE:-20000} + 180))
compose=()

cleanup() {
  if [ ${#compose[@]} -gt 0 ] && docker version >/dev/null 2>&1; then
    "${compose[@]}" down --remove-orphans >/dev/null 2>&1
    # The data root is kept between runs: drop unnamed images left by
    # rebuilds, and keep at most 2 GB of build cache.
    docker image prune -f >/dev/null 2>&1
    docker builder prune -f --keep-storage 2gb >/dev/null 2>&1
  fi
  "$here/engine.sh" stop
}
trap cleanup EXIT

"$here/engine.sh" start || fail "the engine did not start"
phase "engine started"
"$here/base-images.sh" || fail "the stand-in base images were not built"
phase "base images ready"
# COMPOSE=docker-compose runs the demo with Compose v1.
read -r -a compose <<<"${COMPOSE:-$("$here/compose-plugin.sh")}"
[ ${#compose[@]} -gt 0 ] || fail "no Compose"
export COMPOSE="${compose[*]}"
echo "compose-demo: $COMPOSE ($("${compose[@]}" version --short)), engine $(docker version --format '{{.Server.Version}}'), nginx on 127.0.0.1:$NGINX_PORT"
phase "compose ready"

# A stack left by a run that was killed.
"${compose[@]}" down --remove-orphans >/dev/null 2>&1
log=$(mktemp)
if ! "${compose[@]}" up --build --detach >"$log" 2>&1; then
  tail -n 40 "$log"
  fail "docker compose up --build"
fi
phase "${compose[*]} up --build"

# Every container of the stack healthy: echo, three relays, nginx.
deadline=$((SECONDS + 180))
while :; do
  states=$(docker ps -a --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
    --format '{{.Names}} {{.Status}}')
  if [ "$(grep -c '(healthy)' <<<"$states")" -eq 5 ]; then break; fi
  if [ $SECONDS -ge $deadline ]; then
    echo "$states"
    "${compose[@]}" logs --tail 20
    fail "not every container was healthy after 180 s"
  fi
  sleep 1
done
"${compose[@]}" ps
phase "all healthy"

pnpm --filter @wsrelay/e2e test:compose || fail "e2e/compose (Chromium through nginx)"
phase "Chromium through nginx (e2e/compose)"

# Every service stops on its stop signal and exits 0: echo and the relays on
# SIGTERM (the relays drain), nginx on SIGQUIT. The specs stopped the relays
# already; their exit codes are checked too.
"${compose[@]}" stop >/dev/null 2>&1 || fail "docker compose stop"
codes=$(docker ps -a --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
  --format '{{.Names}}' | sort | while read -r name; do
  echo "$name=$(docker inspect --format '{{.State.ExitCode}}' "$name")"
done)
echo "compose-demo: exit codes: $(echo $codes)"
if grep -qv '=0$' <<<"$codes"; then fail "a container exited non-zero"; fi
"${compose[@]}" down --remove-orphans || fail "docker compose down"
phase "stopped (every exit code 0), docker compose down"
trap - EXIT
cleanup
phase "engine stopped"
echo "compose-demo: passed in $((SECONDS - started)) s"
