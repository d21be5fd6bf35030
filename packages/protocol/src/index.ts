export { CloseCode, RELAY_CLOSE_CODES, closeCodeInfo } from './close-codes.js'
export type {
  CloseCodeInfo,
  CloseCodeName,
  CloseCodeValue,
} from './close-codes.js'
export { MAX_CLOSE_REASON_BYTES, fitCloseReason } from './close-reason.js'
export {
  MAX_CONTROL_MESSAGE_BYTES,
  SUBPROTOCOL_V1,
  encodeControlMessage,
  isValidRouteName,
  parseClientMessage,
  parseRelayMessage,
} from './control-messages.js'
export type {
  ClientControlMessage,
  ConnectedMessage,
  EndMessage,
  NoticeMessage,
  OpenMessage,
  ParseResult,
  PingMessage,
  PongMessage,
  RelayControlMessage,
} from './control-messages.js'
export { describeClose } from './describe-close.js'
export type { CloseDescription } from './describe-close.js'
export {
  SUBPROTOCOL_BINARY,
  SUPPORTED_SUBPROTOCOLS,
  TOKEN_SUBPROTOCOL_PREFIX,
  isSupportedSubprotocol,
  isValidToken,
  tokenSubprotocol,
} from './subprotocols.js'
export { ROUTES_PATH } from './relay-offer.js'
export type { RelayOffer } from './relay-offer.js'
export { UPGRADE_REFUSALS, upgradeRefusalInfo } from './upgrade-refusals.js'
export type { UpgradeRefusalInfo } from './upgrade-refusals.js'
export { TRANSPORTS, isTransport } from './transport.js'
export type { Transport } from './transport.js'
