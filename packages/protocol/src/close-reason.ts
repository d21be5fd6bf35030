/** RFC 6455 5.5: control frame payload <= 125 bytes, minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123

const utf8Length = (codePoint: number): number =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4

/**
 * Cuts a close reason to fit a close frame (123 UTF-8 bytes), never splitting
 * a character, and marks the cut with an ellipsis.
 */
export function fitCloseReason(reason: string): string {
  let bytes = 0
  for (const ch of reason) bytes += utf8Length(ch.codePointAt(0) ?? 0)
  if (bytes <= MAX_CLOSE_REASON_BYTES) return reason

  const ellipsis = '…'
  const budget = MAX_CLOSE_REASON_BYTES - utf8Length(ellipsis.charCodeAt(0))
  let out = ''
  bytes = 0
  for (const ch of reason) {
    const size = utf8Length(ch.codePointAt(0) ?? 0)
    if (bytes + size > budget) break
    bytes += size
    out += ch
  }
  return out + ellipsis
}
