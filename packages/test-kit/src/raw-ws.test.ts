import { describe, expect, it } from 'vitest'
import { closePayload, encodeFrame, Opcode, readFrame } from './raw-ws.js'

describe('the raw WebSocket client’s frames', () => {
  it('reads back what it writes, masked or not, in every length form', () => {
    for (const size of [0, 125, 126, 65535, 65536]) {
      for (const mask of [true, false]) {
        const payload = Buffer.alloc(size, 7)
        const bytes = encodeFrame({ opcode: Opcode.BINARY, payload, mask })
        const read = readFrame(bytes)
        expect(read?.size).toBe(bytes.length)
        expect(read?.frame.payload.equals(payload)).toBe(true)
        expect(read?.frame).toMatchObject({ fin: true, opcode: Opcode.BINARY })
      }
    }
  })

  it('lies when asked: a declared 64-bit length that is not the payload’s', () => {
    const bytes = encodeFrame({
      opcode: Opcode.BINARY,
      lengthForm: '64',
      declaredLength: 1n << 63n,
      mask: false,
    })
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x82, 127]))
    expect(bytes.readBigUInt64BE(2)).toBe(1n << 63n)
    expect(readFrame(bytes)).toBeUndefined() // the payload never comes
  })

  it('builds close payloads with any code and raw reason bytes', () => {
    expect(closePayload(4000, Buffer.from([0xff]))).toEqual(
      Buffer.from([0x0f, 0xa0, 0xff]),
    )
  })
})
