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
export type {
  ConnectionCloseEvent,
  ConnectionOpenEvent,
} from './connection/connection.js'
export { SETTINGS } from './settings/settings.js'
export type { RelayOptions, ResolveHost } from './settings/relay-options.js'
export { RELAY_ERROR_CODES, RelayError } from './errors.js'
export type { RelayErrorCode } from './errors.js'
export type { HostPort } from './targets/target-address.js'
