import { describe, expect, it } from 'vitest'
import { CloseCode, RELAY_CLOSE_CODES, closeCodeInfo } from './close-codes.js'

describe('close codes', () => {
  it('gives every code a unique number, a meaning and a hint', () => {
    const numbers = RELAY_CLOSE_CODES.map((row) => row.code)
    expect(new Set(numbers).size).toBe(numbers.length)
    expect(RELAY_CLOSE_CODES).toHaveLength(Object.keys(CloseCode).length)
    for (const row of RELAY_CLOSE_CODES) {
      expect(row.meaning).toMatch(/\.$/)
      expect(row.hint.length).toBeGreaterThan(5)
    }
  })

  it('uses only RFC 6455 codes a server may send, or the 4000-4999 range', () => {
    // 1004, 1005, 1006 and 1015 must never be sent in a close frame.
    const sendable = [
      1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
    ]
    for (const { code } of RELAY_CLOSE_CODES) {
      expect(sendable.includes(code) || (code >= 4000 && code <= 4999)).toBe(
        true,
      )
    }
  })

  it('names an untrusted certificate in the 1006 hint: Chromium reports a refused wss:// certificate as 1006, never 1015', () => {
    expect(closeCodeInfo(1006).hint).toContain('wss://')
    expect(closeCodeInfo(1006).hint).toContain('untrusted certificate')
  })

  it('describes codes the browser reports itself and unknown ones', () => {
    expect(closeCodeInfo(1006).name).toBe('ABNORMAL_CLOSURE')
    expect(closeCodeInfo(4999)).toMatchObject({ code: 4999, name: 'UNKNOWN' })
  })
})
