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
  readonly logger: Logger
}

function positiveInteger(
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid option ${name}: ${String(value)}. Expected a positive whole number.`,
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
    connectTimeoutMs: positiveInteger(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
    ),
    maxMessageBytes: positiveInteger(
      'maxMessageBytes',
      options.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
    ),
    highWaterMarkBytes: positiveInteger(
      'highWaterMarkBytes',
      options.highWaterMarkBytes,
      DEFAULT_HIGH_WATER_MARK_BYTES,
    ),
    drainTimeoutMs: positiveInteger(
      'drainTimeoutMs',
      options.drainTimeoutMs,
      DEFAULT_DRAIN_TIMEOUT_MS,
    ),
    logger: options.logger ?? createSilentLogger(),
  }
}
