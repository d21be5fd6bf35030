export { attachRelay, createRelay } from './relay.js'
export type {
  AttachOptions,
  AttachedRelay,
  Relay,
  RelayAddress,
  RelayEvents,
  RelayOn,
  RelayStats,
} from './relay.js'
export type { ConnectionCloseEvent, ConnectionOpenEvent } from './connection.js'
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HIGH_WATER_MARK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './options.js'
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MEMORY_BUDGET_BYTES,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PONG_TIMEOUT_MS,
} from './options.js'
export type { RelayOptions } from './options.js'
export { RELAY_ERROR_CODES, RelayError } from './errors.js'
export type { RelayErrorCode } from './errors.js'
export { formatHostPort, parseHostPort } from './target-address.js'
export type { HostPort } from './target-address.js'
export { formatSettings, parseCliArgs, SETTINGS, USAGE } from './cli-args.js'
export type { CliCommand } from './cli-args.js'
