#!/usr/bin/env bash
# The README's two command lines on a machine with nothing but Node and npm:
# clean containers from node:24-bookworm-slim (base-images.sh: Debian
# minbase, Node 24 and npm; no Chromium, nginx, compilers, curl, openssl,
# python3 or ss), the repository copied in as `git archive HEAD` makes it.
#
#   1. The demo line, in one container: once `pnpm dev` prints its URL,
#      Chromium on this machine opens it (e2e/bare: hello goes out red and
#      comes back blue through the relay), then Ctrl-C.
#   2. The test line, in another: it must pass, skipping tests only for the
#      tools the image lacks (EXPECTED_SKIPS), and say so in its last line.
#   3. The test line as a user without root (npm's prefix set to ~/.local, as
#      the README says), where no Chromium can be had: it must stop before
#      the build with one line naming the command to run.
#
# The containers use the host's network (the engine adds no NAT here; the
# npm registry and Debian's mirror are reached as the host reaches them), so
# the demo runs on E2E_PORT_BASE+190 to +192 and the test line keeps
# E2E_PORT_BASE and LEARN_PORT_BASE. Only download caches are kept between
# runs (pnpm's store and npm's cache, in $WSRELAY_CI_CACHE/bare): what a
# second clone on the same machine would reuse. Node's modules, pnpm itself,
# the build and the browser start from nothing each time.
#
# Exit codes: 0 passed, 1 failed, 3 no Docker engine can run here.
set -uo pipefail
cd "$(dirname "$0")/../.."
here=.ci/docker
# shellcheck source=../env.sh
. "$here/../env.sh"

IMAGE=node:24-bookworm-slim
# The image has none of these, so the test line must skip exactly their tests.
EXPECTED_SKIPS="cmake curl g++ make nginx openssl python3 ss"
DEMO=wsrelay-bare-demo
TESTS=wsrelay-bare-test
NOBODY=wsrelay-bare-nobody
base=${E2E_PORT_BASE:-20000}
demo_ports=(-e ECHO_PORT=$((base + 190)) -e RELAY_PORT=$((base + 191)) -e CONSOLE_PORT=$((base + 192)))
cache=$WSRELAY_CI_CACHE/bare
work=$(mktemp -d)

started=$SECONDS
mark=$SECONDS
phase() {
  echo "bare-machine: $* ($((SECONDS - mark)) s)"
  mark=$SECONDS
}
fail() {
  echo "bare-machine: FAILED: $*"
  exit 1
}

"$here/engine.sh" check || exit 3

# The two lines as the README writes them, comments dropped.
readme_line() {
  grep -m1 -E "^npm install -g pnpm && .*pnpm $1( |$)" README.md | sed -E 's/[[:space:]]+#.*$//'
}
demo_line=$(readme_line dev)
test_line=$(readme_line test)
[ -n "$demo_line" ] && [ -n "$test_line" ] ||
  fail "README.md has no 'npm install -g pnpm && … pnpm dev' and '… pnpm test' lines"

cleanup() {
  docker rm -f "$DEMO" "$TESTS" "$NOBODY" >/dev/null 2>&1
  "$here/engine.sh" stop
  rm -rf "$work"
}
trap cleanup EXIT

"$here/engine.sh" start || fail "the engine did not start"
"$here/base-images.sh" node || fail "the stand-in $IMAGE was not built"
phase "engine and $IMAGE ready"

# The repository as `git archive HEAD` makes it, in a tar owned by uid:gid $1.
repository_tar() {
  rm -rf "$work/tree" && mkdir -p "$work/tree" &&
    git archive --prefix=wsrelay/ HEAD | tar -x -C "$work/tree" &&
    tar -C "$work/tree" -c --owner="$1" --group="$1" --numeric-owner wsrelay
}

# A clean machine that runs `line` when started, as root: the image and
# the repository at /root/wsrelay, its working directory; the npm and pnpm
# download caches mounted.
new_machine() {
  local name=$1 line=$2
  shift 2
  mkdir -p "$cache/pnpm-store" "$cache/npm"
  docker rm -f "$name" >/dev/null 2>&1
  docker create --name "$name" --network host --workdir /root/wsrelay \
    -v "$cache/pnpm-store:/cache/pnpm-store" -e pnpm_config_store_dir=/cache/pnpm-store \
    -v "$cache/npm:/cache/npm" -e npm_config_cache=/cache/npm \
    "$@" "$IMAGE" bash -c "$line" >/dev/null &&
    repository_tar 0 | docker cp - "$name:/root"
}

# 1. The demo line.
echo "bare-machine: $demo_line"
new_machine "$DEMO" "$demo_line" "${demo_ports[@]}" || fail "cannot create the demo's container"
docker start "$DEMO" >/dev/null || fail "cannot start the demo's container"
url=
deadline=$((SECONDS + 300))
while [ -z "$url" ]; do
  url=$(docker logs "$DEMO" 2>&1 | sed -nE 's/.*\[dev\] Ready in .* Open (http:[^ ]+) and type hello.*/\1/p' | head -n 1)
  [ -n "$url" ] && break
  if [ "$(docker inspect --format '{{.State.Running}}' "$DEMO")" != true ] || [ $SECONDS -ge $deadline ]; then
    docker logs --tail 40 "$DEMO"
    fail "the demo line did not print its URL (exited, or 300 s passed)"
  fi
  sleep 1
done
phase "demo line: pnpm dev says Ready, open $url"
BARE_DEMO_URL=$url pnpm --filter @wsrelay/e2e test:bare-demo || {
  docker logs --tail 40 "$DEMO"
  fail "the demo did not answer hello in Chromium"
}
# The demo's log, colours taken out.
demo_log() { docker logs "$DEMO" 2>&1 | sed -E 's/\x1b\[[0-9;]*m//g'; }
echo "bare-machine: the demo's log from its ready line on:"
demo_log | sed -n '/\[dev\] Ready in/,$p' | sed 's/^/  /'
shown=$(demo_log | wc -l)
# Ctrl-C, as a terminal sends it: SIGINT to each process of the foreground
# process group, the container's first (the line's shell, or the command it
# became: pnpm, which passes it on to pnpm dev).
docker exec "$DEMO" bash -c 'for s in /proc/[0-9]*/stat; do
  read -r -a f 2>/dev/null <"$s" || continue
  if [ "${f[4]}" = 1 ]; then kill -INT "${f[0]}"; fi
done'
stopped=$(timeout 30 docker wait "$DEMO") || fail "the demo did not stop within 30 s of Ctrl-C"
[ "$stopped" = 0 ] || fail "the demo line exited $stopped on Ctrl-C"
demo_log | tail -n +$((shown + 1)) | sed 's/^/  /'
phase "demo line: red and blue in Chromium, stopped with Ctrl-C"

# 2. The test line, CI unset as on a user's machine: tests for missing tools are skipped, not failed.
echo "bare-machine: $test_line"
port_bases=()
[ -n "${E2E_PORT_BASE:-}" ] && port_bases+=(-e "E2E_PORT_BASE=$E2E_PORT_BASE")
[ -n "${LEARN_PORT_BASE:-}" ] && port_bases+=(-e "LEARN_PORT_BASE=$LEARN_PORT_BASE")
new_machine "$TESTS" "$test_line" "${port_bases[@]}" || fail "cannot create the tests' container"
docker start --attach "$TESTS" 2>&1 | tee "$work/test.log"
code=$(docker inspect --format '{{.State.ExitCode}}' "$TESTS")
[ "$code" = 0 ] || fail "the test line exited $code"
docker cp "$TESTS:/root/wsrelay/test-results/skipped-tools.jsonl" "$work/skips.jsonl" 2>/dev/null ||
  : >"$work/skips.jsonl"
skipped=$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)
  console.log([...new Set(lines.flatMap((l) => JSON.parse(l).tools))].sort().join(" "))' "$work/skips.jsonl")
echo "bare-machine: skipped for want of: ${skipped:-nothing}"
[ "$skipped" = "$EXPECTED_SKIPS" ] ||
  fail "the test line skipped for want of \"$skipped\", expected \"$EXPECTED_SKIPS\" (the tools the image lacks)"
# The e2e suite ran in a Chromium the test line got itself.
grep -qE '^\s*[0-9]+ passed' "$work/test.log" || fail "no Playwright summary in the test line's output"
phase "test line: passed, skipping only for $EXPECTED_SKIPS"

# 3. No root, no Chromium: no apt-get, and Playwright's download either fails
# (as here) or brings a Chromium whose libraries are missing. npm and pnpm
# download into the user's home: the shared caches belong to root.
user_line="npm config set prefix ~/.local && export PATH=~/.local/bin:\$PATH && $test_line"
echo "bare-machine: as user node: $user_line"
docker rm -f "$NOBODY" >/dev/null 2>&1
docker create --name "$NOBODY" --network host --user node --workdir /home/node/wsrelay \
  "${port_bases[@]}" "$IMAGE" bash -c "$user_line" >/dev/null &&
  repository_tar 1000 | docker cp - "$NOBODY:/home/node" || fail "cannot create the no-root container"
docker start --attach "$NOBODY" >"$work/nobody.log" 2>&1
code=$(docker inspect --format '{{.State.ExitCode}}' "$NOBODY")
tail -n 3 "$work/nobody.log" | sed 's/^/  /'
[ "$code" != 0 ] || fail "the test line passed without a browser"
last=$(grep -v '^\s*$' "$work/nobody.log" | grep -v ELIFECYCLE | tail -n 1)
[[ "$last" == "No Chromium for the e2e tests ("*"). Run: "* ]] ||
  fail "the test line did not end with one line naming the command to run: $last"
! grep -q 'pnpm -r build' "$work/nobody.log" || fail "the test line built before it found no browser"
phase "test line without root or browser: stopped before the build, with one line"

echo "bare-machine: passed in $((SECONDS - started)) s"
