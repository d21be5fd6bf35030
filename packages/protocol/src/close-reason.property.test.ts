import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fitCloseReason, MAX_CLOSE_REASON_BYTES } from './close-reason.js'
import { RELAY_CLOSE_CODES } from './close-codes.js'
import { describeClose } from './describe-close.js'

// Close reasons are built from network input (host names, parser errors) and
// sent in a close frame, which holds at most 123 bytes of reason.

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length
/** No lone surrogate (String.prototype.isWellFormed is ES2024). */
const isWellFormed = (s: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(
    s,
  )
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀'), maxLength: 200 }),
)

describe('fitCloseReason', () => {
  it('always fits a close frame and never splits a character', () => {
    fc.assert(
      fc.property(anyText, (reason) => {
        const fitted = fitCloseReason(reason)
        expect(utf8Bytes(fitted)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES)
        // A lone surrogate in the output that was not in the input means a split pair.
        expect(isWellFormed(fitted) || !isWellFormed(reason)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('leaves a reason that fits untouched, and cuts a longer one to a prefix plus an ellipsis', () => {
    fc.assert(
      fc.property(anyText, (reason) => {
        const fitted = fitCloseReason(reason)
        if (utf8Bytes(reason) <= MAX_CLOSE_REASON_BYTES)
          expect(fitted).toBe(reason)
        else {
          expect(fitted.endsWith('…')).toBe(true)
          expect(reason.startsWith(fitted.slice(0, -1))).toBe(true)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('is idempotent', () => {
    fc.assert(
      fc.property(anyText, (reason) => {
        expect(fitCloseReason(fitCloseReason(reason))).toBe(
          fitCloseReason(reason),
        )
      }),
    )
  })
})

describe('describeClose', () => {
  const code = fc.oneof(
    fc.integer({ min: -10, max: 70_000 }),
    fc.constantFrom(...RELAY_CLOSE_CODES.map((c) => c.code)),
    fc.double(),
  )

  it('never throws on any code and reason, and names the code in its message', () => {
    fc.assert(
      fc.property(code, anyText, (c, reason) => {
        const description = describeClose(c, reason)
        expect(description.code).toBe(c)
        expect(description.reason).toBe(reason)
        expect(description.message).toContain(`Closed ${c} `)
        expect(description.name.length).toBeGreaterThan(0)
        expect(description.hint.length).toBeGreaterThan(0)
      }),
      { numRuns: 500 },
    )
  })
})
