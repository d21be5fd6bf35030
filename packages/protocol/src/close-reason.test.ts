import { describe, expect, it } from 'vitest'
import { MAX_CLOSE_REASON_BYTES, fitCloseReason } from './close-reason.js'

const byteLength = (s: string) => new TextEncoder().encode(s).length

describe('fitCloseReason', () => {
  it('keeps a reason that already fits', () => {
    expect(fitCloseReason('Target 127.0.0.1:5000 closed')).toBe(
      'Target 127.0.0.1:5000 closed',
    )
    const exact = 'x'.repeat(MAX_CLOSE_REASON_BYTES)
    expect(fitCloseReason(exact)).toBe(exact)
  })

  it('cuts long reasons to 123 bytes without splitting a character', () => {
    for (const unit of ['x', 'é', '€', '😀']) {
      const cut = fitCloseReason(unit.repeat(200))
      expect(byteLength(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES)
      expect(cut.endsWith('…')).toBe(true)
      expect(cut).not.toContain('\uFFFD')
      expect([...cut.slice(0, -1)].every((ch) => ch === unit)).toBe(true)
    }
  })
})
