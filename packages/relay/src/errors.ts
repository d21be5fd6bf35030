/** Every code a RelayError can carry; the README lists each one. */
export const RELAY_ERROR_CODES = [
  'RELAY_INVALID_OPTION',
  'RELAY_LISTEN_FAILED',
  'RELAY_TARGET_REFUSED',
  'RELAY_TARGET_DNS_FAILED',
  'RELAY_TARGET_UNREACHABLE',
  'RELAY_TARGET_TIMEOUT',
  'RELAY_TARGET_RESET',
  'RELAY_TARGET_ERROR',
  'RELAY_SUBPROTOCOL_UNSUPPORTED',
  'RELAY_TLS_INVALID',
  'RELAY_ORIGIN_REJECTED',
  'RELAY_UNAUTHORIZED',
  'RELAY_CONTROL_INVALID',
  'RELAY_TARGET_NOT_ALLOWED',
  'RELAY_PATH_INVALID',
  'RELAY_HOST_REJECTED',
  'RELAY_OVERLOADED',
  'RELAY_MEMORY_BUDGET',
  'RELAY_SHUTTING_DOWN',
] as const

/** Codes of the errors the relay throws or reports. */
export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number]

/** Every error the relay creates; `code` tells them apart. */
export class RelayError extends Error {
  override name = 'RelayError'
  readonly code: RelayErrorCode
  constructor(code: RelayErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
