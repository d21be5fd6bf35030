import { parseArgs } from 'node:util'
import { RelayError } from './errors.js'
import type { RelayOptions } from './options.js'
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HIGH_WATER_MARK_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PONG_TIMEOUT_MS,
} from './options.js'
import { parseHostPort } from './target-address.js'

/** `wsrelay --help`. */
export const USAGE = `Usage: wsrelay [options] [listen_host:]listen_port [target_host:target_port]

Relays WebSocket connections to TCP servers, websockify-style: every
WebSocket gets its own TCP connection. Binary and text frames go to the
target as bytes; target bytes come back as binary frames. Clients speaking the
wsrelay.v1 subprotocol use text frames for control messages (open, ping, end).

Examples:
  wsrelay 8080 127.0.0.1:5000                 listen on 127.0.0.1:8080
  wsrelay 0.0.0.0:8080 game:7000              listen on all interfaces
  wsrelay --web apps/console/dist 8080 127.0.0.1:5000
  wsrelay --route vnc=10.0.0.5:5900 --route redis=127.0.0.1:6379 8080
  wsrelay --allow '*:443' --allow 10.1.0.0/16:7000-7010 8080

Arguments:
  [listen_host:]listen_port  where to accept WebSockets; a bare port listens on
                             127.0.0.1 only (use 0.0.0.0:PORT to accept from the
                             network); port 0 picks a free port
  target_host:target_port    the TCP server for every path no route names
                             ([v6addr]:port for IPv6); optional with --route/--allow

Targets:
  --route NAME=HOST:PORT     a named target, chosen by the URL path
                             (ws://relay/NAME); repeatable
  --allow RULE               let wsrelay.v1 clients choose a target: RULE is
                             HOST:PORT, HOST:FROM-TO or HOST:*, HOST a name, *,
                             or a CIDR (10.0.0.0/8, [fd00::]/8); repeatable.
                             Without it clients cannot choose. Loopback,
                             private, link-local, metadata and other special
                             addresses need a CIDR rule inside their range
  --no-route-list            do not list route names at GET /routes

Security:
  --allow-origin ORIGIN      also accept pages from ORIGIN (repeatable; * for
                             all). Default: the relay's own origin, and
                             clients that send no Origin
  --token-file PATH          require this token (or set WSRELAY_TOKEN); clients
                             offer the subprotocol wsrelay.token.<token>
  --cert PATH, --key PATH    PEM certificate and key: serve wss:// and https://
  --trust-proxy CIDR         take the client IP from X-Forwarded-For when the
                             peer is in CIDR (e.g. 127.0.0.1/32); repeatable

Options:
  --web DIR                  serve the files in DIR to plain HTTP GETs on the
                             same port (e.g. the built console)
  --connect-timeout MS       TCP connect timeout (default ${DEFAULT_CONNECT_TIMEOUT_MS})
  --max-message-size BYTES   largest WebSocket message accepted; larger ones
                             close with 1009 (default ${DEFAULT_MAX_MESSAGE_BYTES})
  --high-water-mark BYTES    bytes held per direction before the relay stops
                             reading the faster side (default ${DEFAULT_HIGH_WATER_MARK_BYTES})
  --drain-timeout MS         time a closing connection, or shutdown, may take to
                             flush before it is cut (default ${DEFAULT_DRAIN_TIMEOUT_MS})
  --handshake-timeout MS     time the HTTP upgrade request may take to arrive;
                             slower ones get 408 (default ${DEFAULT_HANDSHAKE_TIMEOUT_MS})
  --idle-timeout MS          close a connection with no bytes either way for
                             this long, code 4100 (default 0: off)
  --ping-interval MS         ping every browser this often to find ones that
                             vanished; 0 turns pings off (default ${DEFAULT_PING_INTERVAL_MS})
  --pong-timeout MS          cut a browser that misses a pong for this long and
                             free its TCP connection (default ${DEFAULT_PONG_TIMEOUT_MS})
  --max-connections N        most live connections; more are closed with 1013
                             (default ${DEFAULT_MAX_CONNECTIONS})
  --max-connections-per-ip N most live connections from one client IP; more
                             are closed with 1013 (default 0: no limit)
  --metrics                  serve Prometheus metrics at GET /metrics (default off)
  --log-level LEVEL          fatal, error, warn, info, debug or silent (default info)
  -h, --help                 show this help
  -v, --version              print the version

Logs are JSON lines on stdout, one per connection open and close.
SIGINT/SIGTERM close every connection with 1001 after flushing, then exit 0.
`

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run'
      options: Omit<RelayOptions, 'logger' | 'token' | 'tls'>
      logLevel: string
      /** Files the CLI reads before starting (see loadCliFiles). */
      files: CliFiles
    }

/** Paths named on the command line whose contents the relay needs. */
export interface CliFiles {
  readonly tokenFile?: string
  readonly cert?: string
  readonly key?: string
}

const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]

function numberFlag(
  name: string,
  value: string | undefined,
  min: 0 | 1 = 1,
): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid --${name} "${value}": expected ${min === 0 ? '0 (off) or ' : ''}a positive whole number.`,
    )
  }
  return n
}

/** Parses wsrelay's argv (without node and script); throws RELAY_INVALID_OPTION. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        web: { type: 'string' },
        route: { type: 'string', multiple: true },
        allow: { type: 'string', multiple: true },
        'no-route-list': { type: 'boolean' },
        metrics: { type: 'boolean' },
        'allow-origin': { type: 'string', multiple: true },
        'token-file': { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'trust-proxy': { type: 'string', multiple: true },
        'connect-timeout': { type: 'string' },
        'max-message-size': { type: 'string' },
        'high-water-mark': { type: 'string' },
        'drain-timeout': { type: 'string' },
        'handshake-timeout': { type: 'string' },
        'idle-timeout': { type: 'string' },
        'ping-interval': { type: 'string' },
        'pong-timeout': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-connections-per-ip': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (err) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `${(err as Error).message}. Run wsrelay --help for the options.`,
      { cause: err },
    )
  }
  const { values, positionals } = parsed
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }
  const hasOtherTargets =
    (values.route?.length ?? 0) > 0 || (values.allow?.length ?? 0) > 0
  if (
    positionals.length !== 2 &&
    !(positionals.length === 1 && hasOtherTargets)
  ) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Expected a listen address and a target, got ${positionals.length} argument(s). ` +
        'Example: wsrelay 8080 127.0.0.1:5000',
    )
  }
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      '--cert and --key go together: give both PEM files, or neither.',
    )
  }
  const routes: Record<string, string> = {}
  for (const text of values.route ?? []) {
    const eq = text.indexOf('=')
    const name = text.slice(0, eq)
    if (eq <= 0) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Invalid --route "${text}": expected NAME=HOST:PORT, e.g. echo=127.0.0.1:5000.`,
      )
    }
    if (name in routes)
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Route "${name}" is given twice.`,
      )
    routes[name] = text.slice(eq + 1)
  }
  const logLevel = values['log-level']
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid --log-level "${logLevel}": expected one of ${LOG_LEVELS.join(', ')}.`,
    )
  }
  const listen = parseHostPort(positionals[0] ?? '', 'listen', '127.0.0.1')
  const target =
    positionals[1] === undefined
      ? undefined
      : parseHostPort(positionals[1], 'target')
  return {
    kind: 'run',
    logLevel,
    files: {
      tokenFile: values['token-file'],
      cert: values.cert,
      key: values.key,
    },
    options: {
      host: listen.host,
      port: listen.port,
      target,
      routes,
      allow: values.allow ?? [],
      routeList: !values['no-route-list'],
      metrics: values.metrics === true,
      allowOrigins: values['allow-origin'] ?? [],
      trustProxy: values['trust-proxy'] ?? [],
      web: values.web,
      connectTimeoutMs: numberFlag(
        'connect-timeout',
        values['connect-timeout'],
      ),
      maxMessageBytes: numberFlag(
        'max-message-size',
        values['max-message-size'],
      ),
      highWaterMarkBytes: numberFlag(
        'high-water-mark',
        values['high-water-mark'],
      ),
      drainTimeoutMs: numberFlag('drain-timeout', values['drain-timeout']),
      handshakeTimeoutMs: numberFlag(
        'handshake-timeout',
        values['handshake-timeout'],
      ),
      idleTimeoutMs: numberFlag('idle-timeout', values['idle-timeout'], 0),
      pingIntervalMs: numberFlag('ping-interval', values['ping-interval'], 0),
      pongTimeoutMs: numberFlag('pong-timeout', values['pong-timeout']),
      maxConnections: numberFlag('max-connections', values['max-connections']),
      maxConnectionsPerIp: numberFlag(
        'max-connections-per-ip',
        values['max-connections-per-ip'],
        0,
      ),
    },
  }
}

/** Reads one file named by a flag, with an error that names the flag and the fix. */
function readFlagFile(
  flag: string,
  path: string,
  read: (path: string) => string,
): string {
  try {
    return read(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new RelayError(
      flag === '--token-file' ? 'RELAY_INVALID_OPTION' : 'RELAY_TLS_INVALID',
      `Cannot read ${flag} ${path} (${code}). Check the path and that the relay's user may read it.`,
      { cause: err },
    )
  }
}

/**
 * Loads the token (from --token-file, else WSRELAY_TOKEN) and the TLS files.
 * The token is never logged; a trailing newline in its file is ignored.
 */
export function loadCliFiles(
  files: CliFiles,
  env: Record<string, string | undefined>,
  read: (path: string) => string,
): Pick<RelayOptions, 'token' | 'tls'> {
  const fromEnv = env.WSRELAY_TOKEN
  if (
    files.tokenFile !== undefined &&
    fromEnv !== undefined &&
    fromEnv !== ''
  ) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      'Give the token once: --token-file or WSRELAY_TOKEN, not both.',
    )
  }
  const token =
    files.tokenFile !== undefined
      ? readFlagFile('--token-file', files.tokenFile, read).replace(
          /\r?\n$/,
          '',
        )
      : fromEnv || undefined
  const tls =
    files.cert !== undefined && files.key !== undefined
      ? {
          cert: readFlagFile('--cert', files.cert, read),
          key: readFlagFile('--key', files.key, read),
        }
      : undefined
  return { token, tls }
}
