import { describe, expect, it } from 'vitest'
import { CloseCode } from './close-codes.js'
import { describeClose } from './describe-close.js'

describe('describeClose', () => {
  it('puts the code, its name, the reason and the hint in one line', () => {
    const d = describeClose(
      CloseCode.TARGET_REFUSED,
      'Cannot reach TCP target 127.0.0.1:5000 (ECONNREFUSED)',
    )
    expect(d.name).toBe('TARGET_REFUSED')
    expect(d.message).toBe(
      'Closed 4000 TARGET_REFUSED: Cannot reach TCP target 127.0.0.1:5000 (ECONNREFUSED). ' +
        'Is the TCP server running and listening on that host and port?',
    )
  })

  it('falls back to the meaning when no reason was sent', () => {
    expect(describeClose(1006).message).toBe(
      'Closed 1006 ABNORMAL_CLOSURE: The connection dropped or could not be opened (no close frame). ' +
        'Is the relay running and reachable at that URL? ' +
        "On wss://, an untrusted certificate fails the same way: open the relay's https:// address in the browser to see the certificate error.",
    )
  })
})
