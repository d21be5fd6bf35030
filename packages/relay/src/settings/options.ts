import { lookup } from 'node:dns/promises'
import type net from 'node:net'
import tls from 'node:tls'
import { isValidRouteName, isValidToken } from '@wsrelay/protocol'
import {
  hostAddressRanges,
  parseAllowRule,
  type AllowRule,
  type SpecialRange,
} from '../targets/allow-rules.js'
import { parseTrustedProxies } from '../upgrade/client-address.js'
import { RelayError } from '../errors.js'
import { resolveWebRoot } from '../http/static-files.js'
import type { Logger } from '../observability/logger.js'
import { createSilentLogger } from '../observability/logger.js'
import { parseHostPort, type HostPort } from '../targets/target-address.js'

/** Resolves a host name to every address it has (tests inject their own). */
export type ResolveHost = (
  host: string,
) => Promise<{ address: string; family: number }[]>

const resolveWithDns: ResolveHost = (host) =>
  lookup(host, { all: true, verbatim: true })

/** 10 s: long enough for a slow server, short enough for a person waiting. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** 1 MiB: bounds memory per message; browsers rarely send more at once. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
/** 512 KiB per direction held before the relay stops reading the other side. */
export const DEFAULT_HIGH_WATER_MARK_BYTES = 512 * 1024
/** 5 s to flush a closing connection before it is cut. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000
/** Pending TCP connections the kernel queues; 1,000 browsers may connect at once. */
export const DEFAULT_LISTEN_BACKLOG = 2048
/** 10 s for the HTTP upgrade request to arrive complete; slow or half-open ones are dropped. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000
/** 30 s between WebSocket pings, which find browsers that vanished without a close frame. */
export const DEFAULT_PING_INTERVAL_MS = 30_000
/** 10 s for the pong; a peer that misses it is cut and its TCP connection freed. */
export const DEFAULT_PONG_TIMEOUT_MS = 10_000
/** 10,000 live connections; more are closed with 1013 (try again later). */
export const DEFAULT_MAX_CONNECTIONS = 10_000
/** 128 MiB held across all connections: fits a small container (256-512 MiB) with Node's own heap. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 128 * 1024 * 1024
/** 10 s paused at the budget before the connection holding the most is shed (1013). */
export const BUDGET_SHED_AFTER_MS = 10_000
/** Liveness: answers 200 while the process runs. */
export const DEFAULT_HEALTH_PATH = '/healthz'
/** Readiness: 200 while accepting, 503 from the moment a drain starts. */
export const DEFAULT_READY_PATH = '/readyz'

/** Options of {@link createRelay}. */
export interface RelayOptions {
  /** The TCP server for every path no route names: `'host:port'` or `{ host, port }`. */
  target?: string | HostPort
  /** Named targets, chosen by URL path (`ws://relay/NAME`) or a `wsrelay.v1` open. */
  routes?: Record<string, string | HostPort>
  /** `--allow` rules for client-chosen targets (`wsrelay.v1` open with host and port). None: no client-chosen targets. */
  allow?: readonly string[]
  /** Page origins allowed besides the relay's own (`*`: all). Requests without Origin are always allowed. */
  allowOrigins?: readonly string[]
  /** When set, a client must offer `wsrelay.token.<token>` as a subprotocol, or gets HTTP 401. */
  token?: string
  /** PEM certificate and key: serve wss:// and https:// on the same port. */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Proxies (IP or CIDR) whose X-Forwarded-For names the client. */
  trustProxy?: readonly string[]
  /** Serve the route names at GET /routes (default true). */
  routeList?: boolean
  /** Serve Prometheus metrics at GET /metrics (default false). */
  metrics?: boolean
  /**
   * Host header names the relay answers besides its own (`*`: any). Loopback
   * listeners allow only their own names by default (DNS rebinding guard).
   */
  allowHosts?: readonly string[]
  /** Bytes held across all connections before the biggest holders are paused. */
  memoryBudgetBytes?: number
  /** Liveness path (default `/healthz`); `false` turns it off. */
  healthPath?: string | false
  /** Readiness path (default `/readyz`); `false` turns it off. */
  readyPath?: string | false
  /** DNS for client-chosen targets; default `dns.lookup` with all addresses. */
  resolveHost?: ResolveHost
  /** Interface to listen on. Default `127.0.0.1`; use `0.0.0.0` to accept from the network. */
  host?: string
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number
  /** Directory served to plain HTTP GETs (e.g. the built console). */
  web?: string
  /** TCP connect timeout in ms. */
  connectTimeoutMs?: number
  /** Largest WebSocket message accepted, in bytes; larger ones close with 1009. */
  maxMessageBytes?: number
  /** Bytes held per direction before the relay applies backpressure. */
  highWaterMarkBytes?: number
  /** Time a closing connection (or `close()`) may take to flush, in ms. */
  drainTimeoutMs?: number
  /** Time the HTTP upgrade request may take to arrive, in ms. */
  handshakeTimeoutMs?: number
  /** Close a connection with no bytes either way for this long (4100); 0, the default, is off. */
  idleTimeoutMs?: number
  /** Ping every browser this often, in ms; 0 turns pings off. */
  pingIntervalMs?: number
  /** Cut a browser that has not answered a ping within this time, in ms. */
  pongTimeoutMs?: number
  /** Most live connections; more are closed with 1013. */
  maxConnections?: number
  /** Most live connections from one client IP; 0, the default, is no limit. */
  maxConnectionsPerIp?: number
  /** pino logger; silent when omitted. */
  logger?: Logger
}

/** Options with every default filled in and every value checked. */
export interface ResolvedRelayOptions {
  readonly target: HostPort | undefined
  readonly routes: ReadonlyMap<string, HostPort>
  readonly allowRules: readonly AllowRule[]
  /** The relay host's own addresses, special for the allow rules. */
  readonly hostRanges: readonly SpecialRange[]
  readonly allowOrigins: readonly string[]
  readonly token: string | undefined
  readonly tls: { cert: string | Buffer; key: string | Buffer } | undefined
  readonly trustedProxies: net.BlockList | undefined
  readonly routeList: boolean
  readonly metrics: boolean
  readonly allowHosts: readonly string[]
  readonly memoryBudgetBytes: number
  readonly healthPath: string | undefined
  readonly readyPath: string | undefined
  readonly resolveHost: ResolveHost
  readonly host: string
  readonly port: number
  readonly web: string | undefined
  readonly connectTimeoutMs: number
  readonly maxMessageBytes: number
  readonly highWaterMarkBytes: number
  readonly drainTimeoutMs: number
  readonly handshakeTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly pingIntervalMs: number
  readonly pongTimeoutMs: number
  readonly maxConnections: number
  readonly maxConnectionsPerIp: number
  readonly logger: Logger
}

/** A whole-number option: `min` 1 for sizes and timeouts, 0 where 0 means "off". */
function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: 0 | 1 = 1,
): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid option ${name}: ${String(value)}. Expected ${min === 0 ? '0 (off) or ' : ''}a positive whole number.`,
    )
  }
  return value
}

/** An endpoint path: `/something`, or false for off. */
function endpointPath(
  name: string,
  value: string | false | undefined,
  fallback: string,
): string | undefined {
  if (value === false) return undefined
  if (value === undefined) return fallback
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(value)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid option ${name}: "${value}". Expected a path such as ${fallback}, or off.`,
    )
  }
  return value
}

/** Fills in defaults; throws RELAY_INVALID_OPTION on misuse. */
export function resolveRelayOptions(
  options: RelayOptions,
): ResolvedRelayOptions {
  const toHostPort = (value: string | HostPort, what: string): HostPort => {
    try {
      return typeof value === 'string'
        ? parseHostPort(value, 'target')
        : parseHostPort(`[${value.host}]:${value.port}`, 'target')
    } catch (err) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `${what}: ${(err as Error).message}`,
        { cause: err },
      )
    }
  }
  const target =
    options.target === undefined
      ? undefined
      : toHostPort(options.target, 'Invalid target')
  const routes = new Map<string, HostPort>()
  for (const [name, value] of Object.entries(options.routes ?? {})) {
    if (!isValidRouteName(name)) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Invalid route name "${name}": use letters, digits, ".", "_" or "-" (at most 63), e.g. --route echo=127.0.0.1:5000.`,
      )
    }
    routes.set(name, toHostPort(value, `Invalid route "${name}"`))
  }
  const allowRules = (options.allow ?? []).map(parseAllowRule)
  if (!target && routes.size === 0 && allowRules.length === 0) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      'Nothing to relay to: give a target (host:port), a --route NAME=HOST:PORT, or an --allow rule.',
    )
  }
  if (options.token !== undefined && !isValidToken(options.token)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      'Invalid token: use 16 to 256 of A-Z a-z 0-9 . _ ~ + - (e.g. openssl rand -hex 32).',
    )
  }
  if (options.tls) {
    try {
      tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key })
    } catch (err) {
      throw new RelayError(
        'RELAY_TLS_INVALID',
        `The TLS certificate and key cannot be used together (${(err as Error).message}). ` +
          'Check that --cert and --key are PEM files of one key pair.',
        { cause: err },
      )
    }
  }
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid option port: ${port}. Expected 0 to 65535.`,
    )
  }
  return {
    target,
    routes,
    allowRules,
    hostRanges: allowRules.length > 0 ? hostAddressRanges() : [],
    allowOrigins: options.allowOrigins ?? [],
    token: options.token,
    tls: options.tls,
    trustedProxies: parseTrustedProxies(options.trustProxy ?? []),
    routeList: options.routeList ?? true,
    metrics: options.metrics ?? false,
    allowHosts: options.allowHosts ?? [],
    memoryBudgetBytes: integerOption(
      'memoryBudgetBytes',
      options.memoryBudgetBytes,
      DEFAULT_MEMORY_BUDGET_BYTES,
    ),
    healthPath: endpointPath(
      'healthPath',
      options.healthPath,
      DEFAULT_HEALTH_PATH,
    ),
    readyPath: endpointPath('readyPath', options.readyPath, DEFAULT_READY_PATH),
    resolveHost: options.resolveHost ?? resolveWithDns,
    host: options.host ?? '127.0.0.1',
    port,
    web: options.web === undefined ? undefined : resolveWebRoot(options.web),
    connectTimeoutMs: integerOption(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
    ),
    maxMessageBytes: integerOption(
      'maxMessageBytes',
      options.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
    ),
    highWaterMarkBytes: integerOption(
      'highWaterMarkBytes',
      options.highWaterMarkBytes,
      DEFAULT_HIGH_WATER_MARK_BYTES,
    ),
    drainTimeoutMs: integerOption(
      'drainTimeoutMs',
      options.drainTimeoutMs,
      DEFAULT_DRAIN_TIMEOUT_MS,
    ),
    handshakeTimeoutMs: integerOption(
      'handshakeTimeoutMs',
      options.handshakeTimeoutMs,
      DEFAULT_HANDSHAKE_TIMEOUT_MS,
    ),
    idleTimeoutMs: integerOption('idleTimeoutMs', options.idleTimeoutMs, 0, 0),
    pingIntervalMs: integerOption(
      'pingIntervalMs',
      options.pingIntervalMs,
      DEFAULT_PING_INTERVAL_MS,
      0,
    ),
    pongTimeoutMs: integerOption(
      'pongTimeoutMs',
      options.pongTimeoutMs,
      DEFAULT_PONG_TIMEOUT_MS,
    ),
    maxConnections: integerOption(
      'maxConnections',
      options.maxConnections,
      DEFAULT_MAX_CONNECTIONS,
    ),
    maxConnectionsPerIp: integerOption(
      'maxConnectionsPerIp',
      options.maxConnectionsPerIp,
      0,
      0,
    ),
    logger: options.logger ?? createSilentLogger(),
  }
}
