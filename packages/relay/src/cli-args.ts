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
export const USAGE = `Usage: wsrelay [options] [listen_host:]listen_port target_host:target_port

Relays WebSocket connections to a TCP server, websockify-style: every
WebSocket (any path) gets its own TCP connection to the target. Binary and
text frames go to the target as bytes; target bytes come back as binary frames.

Examples:
  wsrelay 8080 127.0.0.1:5000                 listen on 127.0.0.1:8080
  wsrelay 0.0.0.0:8080 game:7000              listen on all interfaces
  wsrelay --web apps/console/dist 8080 127.0.0.1:5000

Arguments:
  [listen_host:]listen_port  where to accept WebSockets; a bare port listens on
                             127.0.0.1 only (use 0.0.0.0:PORT to accept from the
                             network); port 0 picks a free port
  target_host:target_port    the TCP server to relay to ([v6addr]:port for IPv6)

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
  | { kind: 'run'; options: Omit<RelayOptions, 'logger'>; logLevel: string }

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
  if (positionals.length !== 2) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Expected a listen address and a target, got ${positionals.length} argument(s). ` +
        'Example: wsrelay 8080 127.0.0.1:5000',
    )
  }
  const logLevel = values['log-level']
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid --log-level "${logLevel}": expected one of ${LOG_LEVELS.join(', ')}.`,
    )
  }
  const listen = parseHostPort(positionals[0] ?? '', 'listen', '127.0.0.1')
  const target = parseHostPort(positionals[1] ?? '', 'target')
  return {
    kind: 'run',
    logLevel,
    options: {
      host: listen.host,
      port: listen.port,
      target,
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
