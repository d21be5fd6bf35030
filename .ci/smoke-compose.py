#!/usr/bin/env python3
"""Runs the docker-compose services' own commands without Docker.

For machines where no Docker engine can run (.ci/docker/compose-demo.sh runs
the stack for real where one can), this does the next best thing: it builds what
the Dockerfile's runtime stages contain (`pnpm deploy --prod`, the console's
dist), then starts every service as local processes: echo, the relay as many
times as `deploy.replicas` says, and the real nginx with deploy/nginx.conf in
front of them. Each command and healthcheck is read from `docker-compose
config`; only what names the container world is swapped (host names, ports,
paths), and every port is a free one on 127.0.0.1. It then checks the stack as
a browser uses it (console files, WebSockets spread over every relay), and
stops each service with its stop signal, which must exit 0.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX = next((p for p in ["/usr/sbin/nginx", "/usr/bin/nginx"] if os.path.exists(p)), None)


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=kw.pop("cwd", ROOT), check=True, **kw)


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def swapped(value, swaps):
    """`value` with every container-world string in `swaps` replaced."""
    for old, new in swaps.items():
        value = value.replace(old, new)
    return value


def wait_healthy(name, test, cwd, retries, interval, swaps):
    assert test[0] == "CMD", f"{name}: healthcheck must use the exec form"
    cmd = [swapped(a, swaps) for a in test[1:]]
    for _ in range(retries * 4):
        if subprocess.run(cmd, cwd=cwd, timeout=10).returncode == 0:
            print(f"smoke: {name} healthy")
            return
        time.sleep(interval)
    raise SystemExit(f"smoke: {name} never became healthy ({' '.join(cmd)})")


def nginx_config(prefix, port, relay_ports, console):
    """deploy/nginx.conf as the Dockerfile's nginx stage has it, with the
    compose network's names and ports swapped for local ones: `relay:8080`
    resolves to every replica in Docker; here each replica is one line."""
    with open(os.path.join(ROOT, "deploy/nginx.conf")) as f:
        site = f.read()
    swaps = {
        "    server 127.0.0.1:8080;\n": "".join(f"    server 127.0.0.1:{p};\n" for p in relay_ports),
        "listen 80;": f"listen 127.0.0.1:{port};",
        "root /usr/share/wsrelay/console;": f"root {console};",
    }
    for old in swaps:
        if site.count(old) != 1:
            raise SystemExit(f"smoke: deploy/nginx.conf has no single {old.strip()!r}: update this script")
    site = swapped(site, swaps)
    temp = "\n".join(f"  {t}_temp_path {prefix}/{t};" for t in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    return (
        f"worker_processes 1;\ndaemon off;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n{temp}\n{site}\n}}\n"
    )


# Opens SESSIONS WebSockets through nginx at once, checks each echo line, and
# prints how many each relay took (from the relay's own `connection open` log
# lines, read by the caller). Runs with the ws the relay image ships.
ROUND_TRIPS = """
const WebSocket = require('ws');
const [url, count] = [process.argv[1], Number(process.argv[2])];
const t = setTimeout(() => { console.error('smoke: timed out'); process.exit(1) }, 10000);
const sockets = [];
let done = 0;
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(`${url}/smoke/${i}`, 'binary');
  sockets.push(ws);
  ws.on('open', () => ws.send(`hello ${i}\\n`));
  ws.on('message', (d) => {
    const want = `hello ${i} from the server\\n`;
    if (d.toString() !== want) { console.error(`smoke: got ${JSON.stringify(d.toString())}`); process.exit(1) }
    if (++done === count) { clearTimeout(t); for (const s of sockets) s.close() }
  });
  ws.on('error', (e) => { console.error(`smoke: ${e.message}`); process.exit(1) });
}
"""

# One WebSocket on the UDP route `game`: each line goes out as one datagram
# and comes back as one message.
UDP_ROUND_TRIP = """
const WebSocket = require('ws');
const url = process.argv[1];
const t = setTimeout(() => { console.error('smoke: UDP route timed out'); process.exit(1) }, 10000);
const ws = new WebSocket(`${url}/game`, 'binary');
const want = ['one from the server\\n', 'two from the server\\n'];
const got = [];
ws.on('open', () => { ws.send('one\\n'); ws.send('two\\n') });
ws.on('message', (d) => {
  got.push(d.toString());
  if (got.length < want.length) return;
  if (JSON.stringify(got) !== JSON.stringify(want)) { console.error(`smoke: UDP route gave ${JSON.stringify(got)}`); process.exit(1) }
  clearTimeout(t); ws.close();
});
ws.on('error', (e) => { console.error(`smoke: ${e.message}`); process.exit(1) });
ws.on('close', (code) => { if (got.length < want.length) { console.error(`smoke: UDP route closed ${code}`); process.exit(1) } });
"""


def http_get(port, path, host=None):
    """Status, content type and body of GET path on 127.0.0.1:port."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host} if host else {})
    res = conn.getresponse()
    return res.status, res.getheader("content-type", ""), res.read().decode("utf8", "replace")


def main():
    if NGINX is None:
        raise SystemExit("smoke: nginx is missing (apt-get install nginx-light)")
    config = yaml.safe_load(
        subprocess.run(["docker-compose", "config"], cwd=ROOT, check=True,
                       capture_output=True, text=True).stdout)
    services = config["services"]
    assert set(services) == {"echo", "relay", "nginx"}, f"smoke: unexpected services {sorted(services)}"
    relay = services["relay"]
    assert "ports" not in relay and "container_name" not in relay, \
        "smoke: relay must stay scalable (no published port, no container_name)"
    # docker-compose 1.29 prints "127.0.0.1:8080:80/tcp"; Compose v2 prints a mapping.
    assert all((p.get("host_ip") if isinstance(p, dict) else p.split(":")[0]) == "127.0.0.1"
               for p in services["nginx"]["ports"]), \
        "smoke: nginx must publish on the host's loopback only"
    replicas = relay.get("deploy", {}).get("replicas", 1)

    out = tempfile.mkdtemp(prefix="wsrelay-deploy-")
    os.chmod(out, 0o755)  # nginx's workers (nobody when CI runs as root) read the console
    run(["pnpm", "--filter", "@wsrelay/relay", "deploy", "--prod", "--legacy", f"{out}/relay"],
        stdout=subprocess.DEVNULL)
    run(["pnpm", "--filter", "@wsrelay/echo-server", "deploy", "--prod", "--legacy", f"{out}/echo"],
        stdout=subprocess.DEVNULL)
    run(["cp", "-r", "apps/console/dist", f"{out}/console"])
    # As in the images: the services run as an unprivileged user from files
    # they cannot write (compose's read_only), when CI runs as root.
    run(["chmod", "-R", "a-w", f"{out}/relay", f"{out}/echo"])
    as_user = {"user": 65534, "group": 65534} if os.geteuid() == 0 else {}

    echo_port = free_port()
    echo_udp_port = free_port(socket.SOCK_DGRAM)
    relay_ports = [free_port() for _ in range(replicas)]
    nginx_port = free_port()
    procs = {}
    logs = {}
    try:
        echo = services["echo"]
        # The health check reads port 5000 from /proc/net/tcp, in hex.
        swaps = {"5000": str(echo_port), "27015": str(echo_udp_port), "0.0.0.0": "127.0.0.1",
                 ":1388 ": f":{echo_port:04X} "}
        args = [swapped(a, swaps) for a in echo["command"]]
        print(f"smoke: echo: node dist/cli.js {' '.join(json.dumps(a) for a in args)}")
        procs["echo"] = subprocess.Popen(["node", "dist/cli.js", *args], cwd=f"{out}/echo",
                                         stdout=subprocess.DEVNULL, **as_user)
        hc = echo["healthcheck"]
        wait_healthy("echo", hc["test"], f"{out}/echo", hc["retries"], 0.5, swaps)

        for i, port in enumerate(relay_ports):
            name = f"relay-{i + 1}"
            swaps = {"0.0.0.0:8080": f"127.0.0.1:{port}", "echo:5000": f"127.0.0.1:{echo_port}",
                     "echo:27015": f"127.0.0.1:{echo_udp_port}", "127.0.0.1:8080": f"127.0.0.1:{port}"}
            args = [swapped(a, swaps) for a in relay["command"]]
            print(f"smoke: {name}: node dist/cli.js {' '.join(json.dumps(a) for a in args)}")
            logs[name] = open(f"{out}/{name}.log", "w+")
            procs[name] = subprocess.Popen(["node", "dist/cli.js", *args], cwd=f"{out}/relay",
                                           stdout=logs[name], **as_user)
            hc = relay["healthcheck"]
            wait_healthy(name, hc["test"], f"{out}/relay", hc["retries"], 0.5, swaps)

        prefix = f"{out}/nginx"
        os.makedirs(prefix)
        with open(f"{prefix}/nginx.conf", "w") as f:
            f.write(nginx_config(prefix, nginx_port, relay_ports, f"{out}/console"))
        run([NGINX, "-t", "-q", "-p", prefix, "-c", f"{prefix}/nginx.conf"])
        print(f"smoke: nginx: deploy/nginx.conf on 127.0.0.1:{nginx_port}, upstream {relay_ports}")
        procs["nginx"] = subprocess.Popen([NGINX, "-p", prefix, "-c", f"{prefix}/nginx.conf"])
        hc = services["nginx"]["healthcheck"]
        wait_healthy("nginx", hc["test"], ROOT, hc["retries"], 0.5,
                     {"http://127.0.0.1/": f"http://127.0.0.1:{nginx_port}/"})

        # The console, from nginx itself: the page and the script it loads.
        status, _, page = http_get(nginx_port, "/")
        if status != 200 or '<div id="root">' not in page:
            raise SystemExit(f"smoke: nginx did not serve the console page ({status})")
        script = page.split('src="', 1)[1].split('"', 1)[0]
        status, ctype, _ = http_get(nginx_port, script)
        if status != 200 or "javascript" not in ctype:
            raise SystemExit(f"smoke: nginx did not serve {script} ({status} {ctype})")
        print(f"smoke: nginx serves the console ({script})")
        status, _, body = http_get(nginx_port, "/readyz")
        if status != 200:
            raise SystemExit(f"smoke: /readyz through nginx gave {status} {body}")
        status, _, _ = http_get(nginx_port, "/metrics")
        if status != 404:
            raise SystemExit(f"smoke: /metrics must not be public through nginx, got {status}")
        status, _, body = http_get(nginx_port, "/healthz", host=f"rebound.example:{nginx_port}")
        if status != 403 or "--allow-host" not in body:
            raise SystemExit(f"smoke: a rebound host name got {status} {body!r}, not 403")
        print("smoke: relay endpoints through nginx ok, /metrics not public, foreign Host refused")

        # WebSockets through nginx, spread over every relay.
        sessions = 6 * replicas
        run(["node", "-e", ROUND_TRIPS, f"ws://127.0.0.1:{nginx_port}", str(sessions)], cwd=f"{out}/relay")
        counts = {}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            counts = {}
            for name, log in logs.items():
                log.seek(0)
                counts[name] = sum(1 for line in log if '"msg":"connection open"' in line)
            if sum(counts.values()) == sessions:
                break
            time.sleep(0.1)
        print(f"smoke: {sessions} sessions through nginx, per relay: {counts}")
        if sum(counts.values()) != sessions or min(counts.values()) == 0:
            raise SystemExit("smoke: sessions did not spread over every relay")
        run(["node", "-e", UDP_ROUND_TRIP, f"ws://127.0.0.1:{nginx_port}"], cwd=f"{out}/relay")
        print("smoke: the UDP route answers through nginx, one message per datagram")
    finally:
        codes = {}
        for name, proc in reversed(list(procs.items())):
            service = services["relay" if name.startswith("relay") else name]
            proc.send_signal(getattr(signal, service.get("stop_signal", "SIGTERM")))
        for name, proc in procs.items():
            try:
                codes[name] = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = "killed after 15 s"
        subprocess.run(["chmod", "-R", "u+w", out], check=False)
        shutil.rmtree(out, ignore_errors=True)
    bad = {n: c for n, c in codes.items() if c != 0}
    if bad:
        raise SystemExit(f"smoke: non-zero exit after the stop signal: {bad}")
    print(f"smoke: {', '.join(codes)} exited 0 on their stop signals")


if __name__ == "__main__":
    sys.exit(main())
