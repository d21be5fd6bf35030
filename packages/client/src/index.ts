export {
  connectRelay,
  DEFAULT_DRAIN_BYTES,
  STABLE_SESSION_MS,
} from './relay-client.js'
export type {
  RelayClient,
  RelayClientEvents,
  RelayClientOptions,
  RelayCloseEvent,
  RelayMessageEvent,
  RelayOpenEvent,
  RelayStateChange,
  OpenTarget,
  WebSocketConstructorLike,
  WebSocketLike,
} from './relay-client.js'
export { STATE_TRANSITIONS, canTransition } from './connection-state.js'
export type { RelayClientState } from './connection-state.js'
export { DEFAULT_RECONNECT, backoffDelay, reconnectPolicy } from './backoff.js'
export type { ReconnectOptions, ReconnectPolicy } from './backoff.js'
export { browserNetwork } from './network.js'
export type { NetworkMonitor } from './network.js'
export { LineSplitter, DEFAULT_MAX_LINE_LENGTH } from './line-splitter.js'
export type { LineSplitterOptions } from './line-splitter.js'
export { BinaryReader, DEFAULT_MAX_BUFFERED_BYTES } from './binary-reader.js'
export type { BinaryReaderOptions } from './binary-reader.js'
export { ClientError } from './errors.js'
export type { ClientErrorCode } from './errors.js'
export { closeCodeInfo, describeClose } from '@wsrelay/protocol'
export type {
  CloseCodeInfo,
  CloseDescription,
  ConnectedMessage,
} from '@wsrelay/protocol'
