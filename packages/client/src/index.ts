export {
  connectRelay,
  DEFAULT_DRAIN_BYTES,
  STABLE_SESSION_MS,
} from './session/relay-client.js'
export type {
  OpenTarget,
  RelayClient,
  RelayClientEvents,
  RelayClientOptions,
  RelayCloseEvent,
  RelayConnectedEvent,
  RelayMessageEvent,
  RelayOpenEvent,
  RelayStateChange,
  RelayTargetChange,
  RelayDroppedEvent,
  WebSocketConstructorLike,
  WebSocketLike,
} from './session/types.js'
export { STATE_TRANSITIONS, canTransition } from './session/lifecycle.js'
export type { RelayClientState } from './session/lifecycle.js'
export { TARGET_TRANSITIONS } from './session/target-state.js'
export type { TargetState } from './session/target-state.js'
export {
  DEFAULT_RECONNECT,
  backoffDelay,
  reconnectPolicy,
} from './reconnect/backoff.js'
export type { ReconnectOptions, ReconnectPolicy } from './reconnect/backoff.js'
export { browserNetwork } from './reconnect/network.js'
export type { NetworkMonitor } from './reconnect/network.js'
export {
  LineSplitter,
  DEFAULT_MAX_LINE_LENGTH,
} from './readers/line-splitter.js'
export type { LineSplitterOptions } from './readers/line-splitter.js'
export {
  BinaryReader,
  DEFAULT_MAX_BUFFERED_BYTES,
} from './readers/binary-reader.js'
export type { BinaryReaderOptions } from './readers/binary-reader.js'
export { ClientError } from './errors.js'
export type { ClientErrorCode } from './errors.js'
export { closeCodeInfo, describeClose } from '@wsrelay/protocol'
export type {
  CloseCodeInfo,
  CloseDescription,
  ConnectedMessage,
} from '@wsrelay/protocol'
