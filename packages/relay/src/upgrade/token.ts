import { createHash, timingSafeEqual } from 'node:crypto'
import { TOKEN_SUBPROTOCOL_PREFIX } from '@wsrelay/protocol'

const digest = (text: string): Buffer =>
  createHash('sha256').update(text).digest()

/**
 * True when one offered subprotocol carries the expected token. Compared as
 * SHA-256 digests with timingSafeEqual: equal lengths, constant time.
 */
export function offersToken(
  offered: readonly string[],
  expected: string,
): boolean {
  const want = digest(expected)
  let found = false
  for (const protocol of offered) {
    if (!protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) continue
    // No early exit: every offered token costs the same.
    if (
      timingSafeEqual(
        digest(protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length)),
        want,
      )
    )
      found = true
  }
  return found
}
