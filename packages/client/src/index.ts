export { connectRelay } from './relay-client.js'
export type {
  RelayClient,
  RelayClientEvents,
  RelayClientOptions,
  RelayClientState,
  RelayCloseEvent,
  RelayMessageEvent,
  OpenTarget,
  WebSocketConstructorLike,
  WebSocketLike,
} from './relay-client.js'
export { ClientError } from './errors.js'
export type { ClientErrorCode } from './errors.js'
export { describeClose } from '@wsrelay/protocol'
export type { CloseDescription, ConnectedMessage } from '@wsrelay/protocol'
