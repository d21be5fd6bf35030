export { createRelay } from './server/create-relay.js'
export type { Relay, RelayAddress } from './server/create-relay.js'
export { attachRelay } from './server/attach-relay.js'
export type { AttachOptions, AttachedRelay } from './server/attach-relay.js'
export type { RelayStats } from './server/relay-core.js'
export type { RelayEvents, RelayOn } from './server/relay-events.js'
export type {
  ConnectionCloseEvent,
  ConnectionOpenEvent,
} from './connection/close-record.js'
export { SETTINGS } from './settings/settings.js'
export type { RelayOptions, ResolveHost } from './settings/relay-options.js'
export { RELAY_ERROR_CODES, RelayError } from './errors.js'
export type { RelayErrorCode } from './errors.js'
export type { HostPort } from './targets/target-address.js'
