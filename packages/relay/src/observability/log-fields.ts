/**
 * The relay's log lines and their fields, once. The lines pick their fields
 * from here ({@link logFieldsOf}), the docs' log table is generated from
 * here, and a test holds the lines a real relay writes against it.
 */
export const LOG_LINES = {
  'relay listening': [
    'url',
    'target',
    'routes',
    'allow',
    'web',
    'maxConnections',
    'workers',
  ],
  'connection open': [
    'target',
    'transport',
    'route',
    'address',
    'path',
    'protocol',
  ],
  'connection closed': [
    'target',
    'transport',
    'route',
    'closeCode',
    'errorCode',
    'reason',
    'by',
    'bytesToTarget',
    'bytesToClient',
    'datagramsDropped',
    'durationMs',
  ],
  'connection refused': ['closeCode', 'errorCode', 'path'],
  'upgrade refused': ['status', 'errorCode', 'host'],
} as const

/** A line with a fixed set of fields. */
export type LogLine = keyof typeof LOG_LINES

/** What each field means, and which lines carry it when it is not one of {@link LOG_LINES}' own. */
export const LOG_FIELDS = {
  level: {
    in: 'every line',
    means: "pino's level number (30 info, 40 warn, 50 error).",
  },
  time: { in: 'every line', means: 'Epoch milliseconds.' },
  name: { in: 'every line', means: '`wsrelay`.' },
  msg: {
    in: 'every line',
    means:
      'The event: `relay listening`, `connection open`, `connection closed`, `connection refused: …`, `upgrade refused: …`, a warning naming what failed.',
  },
  conn: {
    in: 'every line about one connection',
    means:
      'Connection id, unique within the process (with `--workers`, within its worker): joins its lines.',
  },
  worker: {
    in: 'every line of a worker process (`--workers` above 1)',
    means: 'The worker (1, 2, …) that wrote the line.',
  },
  workers: {
    in: '`shutting down` of the process that runs the workers',
    means: 'How many worker processes serve the port.',
  },
  client: {
    in: 'every line about one connection, `upgrade refused`',
    means:
      'Client IP: the peer, or from `X-Forwarded-For` when the peer is in `--trust-proxy`.',
  },
  url: { means: 'Where the relay accepts WebSockets.' },
  routes: { means: 'The route names.' },
  allow: { means: 'The `--allow` rules.' },
  web: { means: 'The `--web` directory.' },
  maxConnections: {
    in: 'the open-file limit note (a warning when --max-connections asked for more, or a network relay lost over a tenth)',
    means: 'The connection limit in force (lowered to what `ulimit -n` holds).',
  },
  fdLimit: {
    in: 'the open-file limit note (a warning when --max-connections asked for more, or a network relay lost over a tenth)',
    means: 'The open-file limit (`ulimit -n`).',
  },
  target: {
    means:
      '`host:port` of the target (in `relay listening`, `udp:host:port` for a UDP default target).',
  },
  transport: { means: '`tcp`, or `udp` for a datagram target.' },
  route: { means: 'The route, when the path or `open` named one.' },
  address: {
    means: 'The IP connected to, for a target the client chose (`--allow`).',
  },
  path: { means: 'The upgrade request path.' },
  protocol: {
    means:
      'The WebSocket subprotocol agreed (`wsrelay.v1`, `binary`), when any.',
  },
  closeCode: {
    in: 'warnings that close a connection',
    means: 'The WebSocket close code (a number), e.g. 1000, 1001 for a drain.',
  },
  errorCode: {
    in: 'warnings',
    means:
      'Why, as a `RELAY_*` code, e.g. `RELAY_TARGET_REFUSED`; only when the relay failed or refused.',
  },
  reason: { means: 'The close reason sent to the browser.' },
  by: { means: 'Who closed: `client` or `relay`.' },
  bytesToTarget: { means: 'Bytes relayed from the browser to the target.' },
  bytesToClient: { means: 'Bytes relayed from the target to the browser.' },
  datagramsDropped: {
    means:
      'UDP only: datagrams from the target dropped because the browser was not reading (no backpressure in UDP).',
  },
  durationMs: { means: 'How long the connection lived.' },
  status: { means: 'The HTTP status the upgrade was answered with.' },
  host: { means: 'The Host header of a refused upgrade.' },
  signal: {
    in: '`shutting down: draining connections`',
    means: 'The signal that started the drain.',
  },
  err: {
    in: 'errors, debug lines',
    means: 'The error (message, or a Node error code).',
  },
  event: {
    in: '`relay event listener threw`',
    means: 'The embedding app’s event whose listener threw.',
  },
  wsCode: {
    in: '`websocket error` (debug)',
    means:
      'Why a frame was refused, named as ws names it (`WS_ERR_INVALID_UTF8`, …).',
  },
  code: {
    in: '`worker exited; starting another`',
    means: 'The exit code of the worker that died.',
  },
} as const satisfies Record<
  string,
  { readonly in?: string; readonly means: string }
>

/** A field a log line may carry. */
export type LogField = keyof typeof LOG_FIELDS

/** The fields `line` carries, taken from `source` (absent ones left out). */
export function logFieldsOf(
  line: LogLine,
  source: object,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const name of LOG_LINES[line]) {
    const value = (source as Record<string, unknown>)[name]
    if (value !== undefined) fields[name] = value
  }
  return fields
}
