# Multi-stage build; targets: `relay` (can serve the console itself:
# WSRELAY_WEB=/app/web), `echo`, and `nginx` (deploy/nginx.conf with the console's
# files, in front of the relay replicas in docker-compose.yml). The relay and
# echo stages hold only production files, run as the unprivileged `node` user
# and write nothing, so they run with a read-only root filesystem.

# Node 24: the active LTS line (Node 20 reached end of life in April 2026).
ARG NODE_IMAGE=node:24-bookworm-slim
# nginx's stable line; deploy/nginx.conf also runs on Debian bookworm's 1.22.
ARG NGINX_IMAGE=nginx:stable

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# pnpm the way the README installs it, pinned to a major for repeatable builds.
RUN npm install -g pnpm@12
# Manifests first, so the dependency layer is cached across source edits.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY apps/console/package.json apps/console/
COPY apps/echo-server/package.json apps/echo-server/
COPY packages/protocol/package.json packages/protocol/
COPY packages/client/package.json packages/client/
COPY packages/relay/package.json packages/relay/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile
COPY . .
# Deterministic output, so an unchanged service keeps its image: pnpm's
# .modules.yaml records when `pnpm deploy` ran (prunedAt), and node never
# reads it.
RUN pnpm build \
  && pnpm --filter @wsrelay/relay deploy --prod --legacy /out/relay \
  && pnpm --filter @wsrelay/echo-server deploy --prod --legacy /out/echo \
  && cp -r apps/console/dist /out/relay/web \
  && rm /out/relay/node_modules/.modules.yaml /out/echo/node_modules/.modules.yaml

FROM ${NODE_IMAGE} AS relay
# Configured like the CLI: arguments, or WSRELAY_* variables (e.g.
# -e WSRELAY_TARGET=game:7000 -e WSRELAY_WEB=/app/web for the built console).
# No default target, so no CMD: arguments would override the variables.
ENV NODE_ENV=production \
  WSRELAY_LISTEN=0.0.0.0:8080
WORKDIR /app
COPY --from=build --chown=node:node /out/relay ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]

FROM ${NODE_IMAGE} AS echo
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /out/echo ./
USER node
EXPOSE 5000
# Listening on port 5000 (0x1388), read from /proc/net/tcp: a probe that
# connected would be logged as a connection every 5 s.
HEALTHCHECK --interval=5s --timeout=3s --retries=5 \
  CMD ["node", "-e", "process.exit(/^ *\\d+: [0-9A-F]+:1388 [0-9A-F]+:0000 0A /m.test(require('fs').readFileSync('/proc/net/tcp', 'utf8')) ? 0 : 1)"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["--host", "0.0.0.0", "--port", "5000", "--suffix", " from the server"]

FROM ${NGINX_IMAGE} AS nginx
# deploy/nginx.conf as shipped; only the upstream moves from 127.0.0.1:8080 to
# the compose service `relay`, which nginx resolves when it starts (or
# reloads) to every replica's address (docs/operations.md).
COPY deploy/nginx.conf /tmp/wsrelay.conf
RUN rm -f /etc/nginx/conf.d/default.conf \
  && sed 's/^    server 127\.0\.0\.1:8080;$/    server relay:8080;/' /tmp/wsrelay.conf \
    > /etc/nginx/conf.d/wsrelay.conf \
  && grep -q '^    server relay:8080;$' /etc/nginx/conf.d/wsrelay.conf \
  && rm /tmp/wsrelay.conf
COPY --from=build /src/apps/console/dist /usr/share/wsrelay/console
# Least privilege: the master process runs as the image's unprivileged `nginx`
# user too, not as root (so no `user` directive to switch workers with), with
# its pid file in /tmp and its temp files in /var/cache/nginx: the only
# writable paths, tmpfs under docker-compose.yml's read-only root. Port 80
# needs no capability: Docker (20.10 and later) lets any user of a container
# bind ports below 1024 in the container's own network.
RUN sed -i -E -e '/^\s*user\s/d' -e 's|^\s*pid\s.*|pid /tmp/nginx.pid;|' /etc/nginx/nginx.conf \
  && grep -q '^pid /tmp/nginx.pid;$' /etc/nginx/nginx.conf \
  && chown -R nginx:nginx /var/cache/nginx
USER nginx
EXPOSE 80
# The whole path: 200 while some relay is ready (deploy/nginx.conf's /readyz,
# not logged).
HEALTHCHECK --interval=5s --timeout=3s --retries=5 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1/readyz"]
