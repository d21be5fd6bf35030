import { describe, expect, it } from 'vitest'
import { BinaryReader } from './binary-reader.js'

describe('BinaryReader', () => {
  it('reads a VNC ServerInit that arrives one byte per message', async () => {
    const name = 'my desktop ✓'
    const nameBytes = new TextEncoder().encode(name)
    const message = new Uint8Array(24 + nameBytes.length)
    const view = new DataView(message.buffer)
    view.setUint16(0, 1024)
    view.setUint16(2, 768)
    message.set([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0], 4)
    view.setUint32(20, nameBytes.length)
    message.set(nameBytes, 24)

    const reader = new BinaryReader()
    const serverInit = (async () => {
      const width = await reader.readU16()
      const height = await reader.readU16()
      const pixelFormat = await reader.readBytes(16)
      const desktop = await reader.readString(await reader.readU32())
      return { width, height, bitsPerPixel: pixelFormat[0], desktop }
    })()
    for (const b of message) reader.push(new Uint8Array([b]))
    await expect(serverInit).resolves.toEqual({
      width: 1024,
      height: 768,
      bitsPerPixel: 32,
      desktop: name,
    })
    expect(reader.available).toBe(0)
  })

  it('reads every width in both byte orders', async () => {
    const be = new BinaryReader()
    const le = new BinaryReader({ littleEndian: true })
    const data = new Uint8Array([
      0xff, 0xff, 0x01, 0x02, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0xff, 0xff,
      0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ])
    be.push(data)
    le.push(data)
    const readAll = async (r: BinaryReader) => [
      await r.readU8(),
      await r.readI8(),
      await r.readU16(),
      await r.readI16(),
      await r.readU32(),
      await r.readI32(),
      await r.readU64(),
      await r.readI64(),
    ]
    expect(await readAll(be)).toEqual([
      255,
      -1,
      0x0102,
      -2,
      0x01020304,
      -2,
      0x100n,
      -1n,
    ])
    expect(await readAll(le)).toEqual([
      255,
      -1,
      0x0201,
      -257,
      0x04030201,
      -16777217,
      0x0001000000000000n,
      -1n,
    ])
  })

  it('reads floats, and a read may override the byte order', async () => {
    const bytes = new Uint8Array(12)
    const view = new DataView(bytes.buffer)
    view.setFloat32(0, 1.5, true)
    view.setFloat64(4, -Math.PI, false)
    const reader = new BinaryReader()
    reader.push(bytes)
    expect(await reader.readF32(true)).toBe(1.5)
    expect(await reader.readF64()).toBe(-Math.PI)
  })

  it('serves reads in call order when the bytes come later, split across messages', async () => {
    const reader = new BinaryReader()
    const first = reader.readU32()
    const second = reader.readBytes(3)
    reader.push(new Uint8Array([0, 0]))
    reader.push(new Uint8Array([1, 0, 7, 8]))
    reader.push(new Uint8Array([9, 10]))
    expect(await first).toBe(256)
    expect(await second).toEqual(new Uint8Array([7, 8, 9]))
    expect(reader.available).toBe(1)
  })

  it('copies pushed bytes, so the caller may reuse its buffer', async () => {
    const reader = new BinaryReader()
    const buffer = new Uint8Array([1, 2])
    reader.push(buffer)
    buffer.fill(0)
    expect(await reader.readBytes(2)).toEqual(new Uint8Array([1, 2]))
  })

  it('rejects waiting reads when the stream ends', async () => {
    const reader = new BinaryReader()
    reader.push(new Uint8Array([1]))
    const width = reader.readU16()
    reader.close('The connection closed.')
    await expect(width).rejects.toMatchObject({
      code: 'CLIENT_READER_CLOSED',
      message: 'The connection closed. 1 byte(s) were left unread.',
    })
    await expect(reader.readU8()).rejects.toMatchObject({
      code: 'CLIENT_READER_CLOSED',
    })
  })

  it('refuses to hold more than maxBufferedBytes unread', () => {
    const reader = new BinaryReader({ maxBufferedBytes: 4 })
    reader.push(new Uint8Array(3))
    expect(() => reader.push(new Uint8Array(2))).toThrow(
      expect.objectContaining({
        code: 'CLIENT_READER_OVERFLOW',
        message:
          'BinaryReader would hold 5 unread bytes, over maxBufferedBytes 4. ' +
          'Read faster (await reads in a loop) or raise maxBufferedBytes.',
      }),
    )
    expect(() => reader.readBytes(5)).toThrow(
      expect.objectContaining({ code: 'CLIENT_READER_OVERFLOW' }),
    )
  })
})
