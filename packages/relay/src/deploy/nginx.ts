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
