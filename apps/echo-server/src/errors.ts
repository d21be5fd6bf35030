/** Codes of the errors the echo server throws. */
export type EchoErrorCode = 'ECHO_INVALID_OPTION' | 'ECHO_LISTEN_FAILED'

/** Every error the echo server creates; `code` tells them apart. */
export class EchoError extends Error {
  override name = 'EchoError'
  readonly code: EchoErrorCode
  constructor(code: EchoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
