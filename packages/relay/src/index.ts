export { createRelay } from './relay.js'
export type { Relay, RelayAddress, RelayStats } from './relay.js'
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HIGH_WATER_MARK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './options.js'
export type { RelayOptions } from './options.js'
export { RELAY_ERROR_CODES, RelayError } from './errors.js'
export type { RelayErrorCode } from './errors.js'
export { formatHostPort, parseHostPort } from './target-address.js'
export type { HostPort } from './target-address.js'
export { parseCliArgs, USAGE } from './cli-args.js'
export type { CliCommand } from './cli-args.js'
