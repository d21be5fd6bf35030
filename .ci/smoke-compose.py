#!/usr/bin/env python3
"""Runs the docker-compose services' own commands without Docker.

No Docker engine runs on CI, so this does the next best thing: it builds what
the Dockerfile's runtime stages contain (`pnpm deploy --prod`, console dist in
relay/web), then starts each service with the `command` and `healthcheck` read
from `docker-compose config`, swapping only what names the container world
(`/app/web`, the `echo` host). It then relays a line through and stops both
with SIGTERM, which must exit 0.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=kw.pop("cwd", ROOT), check=True, **kw)


def wait_healthy(name, test, cwd, retries, interval):
    assert test[0] == "CMD", f"{name}: healthcheck must use the exec form"
    for _ in range(retries * 4):
        if subprocess.run(test[1:], cwd=cwd, timeout=10).returncode == 0:
            print(f"smoke: {name} healthy")
            return
        time.sleep(interval)
    raise SystemExit(f"smoke: {name} never became healthy")


def main():
    config = yaml.safe_load(
        subprocess.run(["docker-compose", "config"], cwd=ROOT, check=True,
                       capture_output=True, text=True).stdout)
    services = config["services"]
    out = tempfile.mkdtemp(prefix="wsrelay-deploy-")
    run(["pnpm", "--filter", "@wsrelay/relay", "deploy", "--prod", "--legacy", f"{out}/relay"],
        stdout=subprocess.DEVNULL)
    run(["pnpm", "--filter", "@wsrelay/echo-server", "deploy", "--prod", "--legacy", f"{out}/echo"],
        stdout=subprocess.DEVNULL)
    run(["cp", "-r", "apps/console/dist", f"{out}/relay/web"])

    swap = {"/app/web": f"{out}/relay/web", "echo:5000": "127.0.0.1:5000"}
    procs = {}
    try:
        for name in ["echo", "relay"]:
            service = services[name]
            args = [swap.get(a, a) for a in service["command"]]
            cwd = f"{out}/{name}"
            print(f"smoke: {name}: node dist/cli.js {' '.join(json.dumps(a) for a in args)}")
            procs[name] = subprocess.Popen(["node", "dist/cli.js", *args], cwd=cwd,
                                           stdout=subprocess.DEVNULL)
            hc = service["healthcheck"]
            wait_healthy(name, hc["test"], cwd, hc["retries"], 0.5)

        # A line through the relay, with the ws the relay image ships.
        check = (
            "const WebSocket = require('ws');"
            "const ws = new WebSocket('ws://127.0.0.1:8080/relay', 'binary');"
            "const t = setTimeout(() => { console.error('no echo'); process.exit(1) }, 5000);"
            "ws.on('open', () => ws.send('hello\\n'));"
            "ws.on('message', (d) => { const s = d.toString();"
            " if (s !== 'hello from the server\\n') { console.error('got ' + JSON.stringify(s)); process.exit(1) }"
            " clearTimeout(t); ws.close() });"
            "ws.on('error', (e) => { console.error(e.message); process.exit(1) });"
        )
        run(["node", "-e", check], cwd=f"{out}/relay")
        print("smoke: relay -> echo round trip ok")
        page = subprocess.run(["node", "-e", "fetch('http://127.0.0.1:8080/').then(r => r.text()).then(t => process.exit(t.includes('<div id=\"root\">') ? 0 : 1))"],
                              cwd=ROOT, timeout=10)
        if page.returncode != 0:
            raise SystemExit("smoke: relay did not serve the console")
        print("smoke: relay serves the console")
    finally:
        codes = {}
        for name, proc in reversed(list(procs.items())):
            proc.send_signal(signal.SIGTERM)
            codes[name] = proc.wait(timeout=15)
    bad = {n: c for n, c in codes.items() if c != 0}
    if bad:
        raise SystemExit(f"smoke: non-zero exit after SIGTERM: {bad}")
    print("smoke: both services exited 0 on SIGTERM")


if __name__ == "__main__":
    sys.exit(main())
