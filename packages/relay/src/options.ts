import type { Logger } from './logger.js'
import { createSilentLogger } from './logger.js'
import { RelayError } from './errors.js'
import { parseHostPort, type HostPort } from './target-address.js'

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

/** Options of {@link createRelay}. */
export interface RelayOptions {
  /** The TCP server every connection goes to: `'host:port'` or `{ host, port }`. */
  target: string | HostPort
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
  readonly target: HostPort
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

/** Fills in defaults; throws RELAY_INVALID_OPTION on misuse. */
export function resolveRelayOptions(
  options: RelayOptions,
): ResolvedRelayOptions {
  const target =
    typeof options.target === 'string'
      ? parseHostPort(options.target, 'target')
      : parseHostPort(
          `[${options.target.host}]:${options.target.port}`,
          'target',
        )
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid option port: ${port}. Expected 0 to 65535.`,
    )
  }
  return {
    target,
    host: options.host ?? '127.0.0.1',
    port,
    web: options.web,
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
