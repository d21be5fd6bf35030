import { describe, expect, it } from 'vitest'
import { parseHex, toHex } from './hex.js'

describe('hex', () => {
  it('formats bytes as spaced lowercase pairs', () => {
    expect(toHex(new Uint8Array([0, 0x0a, 0xff, 0x68]))).toBe('00 0a ff 68')
  })

  it('parses the ways people type hex, and rejects the rest', () => {
    expect(parseHex('de ad BE EF')).toEqual(
      new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
    )
    expect(parseHex('0x01,0x02')).toEqual(new Uint8Array([1, 2]))
    expect(parseHex('abc')).toBeUndefined()
    expect(parseHex('zz')).toBeUndefined()
    expect(parseHex('')).toBeUndefined()
  })
})
