export { attachRelay, createRelay } from './server/relay.js'
export type {
  AttachOptions,
  AttachedRelay,
  Relay,
  RelayAddress,
  RelayEvents,
  RelayOn,
  RelayStats,
} from './server/relay.js'
export type { ConnectionCloseEvent, ConnectionOpenEvent } from './connection/connection.js'
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HIGH_WATER_MARK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './settings/options.js'
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MEMORY_BUDGET_BYTES,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PONG_TIMEOUT_MS,
} from './settings/options.js'
export type { RelayOptions } from './settings/options.js'
export { RELAY_ERROR_CODES, RelayError } from './errors.js'
export type { RelayErrorCode } from './errors.js'
export { formatHostPort, parseHostPort } from './targets/target-address.js'
export type { HostPort } from './targets/target-address.js'
export { formatSettings, parseCliArgs, SETTINGS, USAGE } from './settings/cli-args.js'
export type { CliCommand } from './settings/cli-args.js'
