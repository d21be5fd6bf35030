export { CloseCode, RELAY_CLOSE_CODES, closeCodeInfo } from './close-codes.js'
export type {
  CloseCodeInfo,
  CloseCodeName,
  CloseCodeValue,
} from './close-codes.js'
export { MAX_CLOSE_REASON_BYTES, fitCloseReason } from './close-reason.js'
export { describeClose } from './describe-close.js'
export type { CloseDescription } from './describe-close.js'
export {
  SUBPROTOCOL_BINARY,
  SUPPORTED_SUBPROTOCOLS,
  isSupportedSubprotocol,
} from './subprotocols.js'
