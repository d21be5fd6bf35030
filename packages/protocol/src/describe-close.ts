import { closeCodeInfo } from './close-codes.js'

/** A close event turned into words for a person. */
export interface CloseDescription {
  readonly code: number
  readonly name: string
  readonly meaning: string
  readonly hint: string
  /** The reason the peer sent, possibly empty. */
  readonly reason: string
  /** One line for a log or status bar. */
  readonly message: string
}

/**
 * Turns a WebSocket close code and reason into a human message.
 *
 * @example
 * describeClose(4000, 'Cannot reach 127.0.0.1:5000 (ECONNREFUSED)').message
 * // 'Closed 4000 TARGET_REFUSED: Cannot reach 127.0.0.1:5000 (ECONNREFUSED). Is the TCP server running ...'
 */
export function describeClose(code: number, reason = ''): CloseDescription {
  const { name, meaning, hint } = closeCodeInfo(code)
  const what = reason.length > 0 ? reason : meaning
  const sentence = /[.!?…]$/.test(what) ? what : `${what}.`
  return {
    code,
    name,
    meaning,
    hint,
    reason,
    message: `Closed ${code} ${name}: ${sentence} ${hint}`,
  }
}
