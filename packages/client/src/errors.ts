/** Codes of the errors the client throws or emits. */
export type ClientErrorCode =
  | 'CLIENT_INVALID_URL'
  | 'CLIENT_INVALID_OPTION'
  | 'CLIENT_NO_WEBSOCKET'
  | 'CLIENT_NOT_OPEN'
  | 'CLIENT_CONNECTION_ERROR'
  | 'CLIENT_NOT_V1'
  | 'CLIENT_ALREADY_OPENED'
  | 'CLIENT_OPEN_FAILED'
  | 'CLIENT_PROTOCOL_ERROR'
  | 'CLIENT_LINE_TOO_LONG'
  | 'CLIENT_READER_OVERFLOW'
  | 'CLIENT_READER_CLOSED'

/** Every error the client creates; `code` tells them apart. */
export class ClientError extends Error {
  override name = 'ClientError'
  readonly code: ClientErrorCode
  constructor(code: ClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
