import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { toolPath } from '@wsrelay/test-kit/tools'
import { expect, vi } from 'vitest'

/** The nginx binary (test-kit's tools.ts finds it, in /usr/sbin too). */
const NGINX = toolPath('nginx') ?? 'nginx'

/**
 * A whole nginx.conf around one `server` block from deploy/nginx.conf, for a
 * test-owned nginx: in the foreground, every file under `prefix`.
 */
export function nginxConfigAround(
  site: string,
  prefix: string,
  workerConnections: number,
): string {
  return [
    'worker_processes 1;',
    'daemon off;',
    'master_process on;',
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log warn;`,
    `events { worker_connections ${workerConnections}; }`,
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `  ${t}_temp_path ${prefix}/${t};`,
    ),
    site,
    '}',
  ].join('\n')
}

/**
 * Checks `prefix/nginx.conf` with `nginx -t`, starts nginx on it, and
 * resolves once it answers `/healthz` on `port` (through to a relay).
 */
export async function startNginx(
  prefix: string,
  port: number,
  timeoutMs = 10_000,
): Promise<ChildProcess> {
  const conf = join(prefix, 'nginx.conf')
  const check = spawnSync(NGINX, ['-t', '-p', prefix, '-c', conf], {
    encoding: 'utf8',
  })
  expect(check.status, check.stderr).toBe(0)
  const nginx = spawn(NGINX, ['-p', prefix, '-c', conf], {
    stdio: 'inherit',
  })
  await vi.waitFor(
    async () =>
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(
        200,
      ),
    { timeout: timeoutMs, interval: 50 },
  )
  return nginx
}
