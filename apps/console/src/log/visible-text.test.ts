import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeOf, visiblePieces, visibleText } from './visible-text.js'

describe('visibleText', () => {
  it('shows a right-to-left override as an escape, so "evil" never reads "live"', () => {
    expect(visibleText('\u202Eevil')).toBe('\\u202Eevil')
    expect(visiblePieces('a\u202Eevil')).toEqual([
      'a',
      { escape: '\\u202E' },
      'evil',
    ])
  })

  it('escapes every bidi control, zero-width character, BOM and C0/C1 control, but keeps tab', () => {
    const hidden = [
      0x200e, 0x200f, 0x061c, 0x202a, 0x202b, 0x202c, 0x202d, 0x2066, 0x2067,
      0x2068, 0x2069, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x2028,
      0x2029, 0x0000, 0x0007, 0x001b, 0x007f, 0x0085, 0x009b, 0xe0041,
    ]
    for (const codePoint of hidden) {
      const char = String.fromCodePoint(codePoint)
      expect(visibleText(`a${char}b`)).toBe(`a${escapeOf(codePoint)}b`)
    }
    expect(visibleText('a\tb')).toBe('a\tb')
  })

  it('escapes a combining mark at the start of a line or after an escape, not after a letter', () => {
    expect(visibleText('\u0301abc')).toBe('\\u0301abc')
    expect(visibleText('\u202E\u0301x')).toBe('\\u202E\\u0301x')
    expect(visibleText('e\u0301')).toBe('e\u0301')
    expect(visibleText('héllo wörld — ✓ 日本語 😀 Ωμέγα')).toBe(
      'héllo wörld — ✓ 日本語 😀 Ωμέγα',
    )
  })

  it('writes escapes as a developer types them', () => {
    expect([
      escapeOf(0),
      escapeOf(0x9b),
      escapeOf(0x202e),
      escapeOf(0xe0041),
    ]).toEqual(['\\x00', '\\x9B', '\\u202E', '\\u{E0041}'])
  })

  it('never lets an invisible character or a leading mark through, whatever the line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (line) => {
        const pieces = visiblePieces(line)
        const shown = pieces
          .filter((p): p is string => typeof p === 'string')
          .join('')
        expect(
          /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(shown.replace(/\t/g, '')),
        ).toBe(false)
        for (const piece of pieces)
          if (typeof piece === 'string')
            expect(/^\p{M}/u.test(piece)).toBe(false)
      }),
      { numRuns: 300 },
    )
  })
})
