import { utf8ByteLength, utf8CodePointLength } from './utf8.js'

/** RFC 6455 5.5: control frame payload <= 125 bytes, minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123

/**
 * Cuts a close reason to fit a close frame (123 UTF-8 bytes), never splitting
 * a character, and marks the cut with an ellipsis.
 */
export function fitCloseReason(reason: string): string {
  if (utf8ByteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason

  const ellipsis = '…'
  const budget =
    MAX_CLOSE_REASON_BYTES - utf8CodePointLength(ellipsis.charCodeAt(0))
  let out = ''
  let bytes = 0
  for (const ch of reason) {
    const size = utf8CodePointLength(ch.codePointAt(0) ?? 0)
    if (bytes + size > budget) break
    bytes += size
    out += ch
  }
  return out + ellipsis
}
