// RFC 6455 section 5.2, both ways: a masked client frame of any length, and
// a server frame read from the front of a buffer.
import { randomBytes } from 'node:crypto'

export const OPCODES = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
}
/** Larger frames are refused: a length field must not decide our memory. */
const MAX_PAYLOAD_BYTES = 1024 * 1024

/** FIN, opcode, MASK and the 7-bit, 16-bit (126) or 64-bit (127) length, then the mask and the masked payload. */
export function clientFrame(opcode, payload, { fin = true } = {}) {
  const first = (fin ? 0x80 : 0x00) | opcode
  const n = payload.length
  let head
  if (n < 126) {
    head = Buffer.from([first, 0x80 | n])
  } else if (n < 0x10000) {
    head = Buffer.from([first, 0x80 | 126, n >> 8, n & 0xff])
  } else {
    head = Buffer.alloc(10)
    head[0] = first
    head[1] = 0x80 | 127
    head.writeBigUInt64BE(BigInt(n), 2)
  }
  const mask = randomBytes(4) // a fresh key per frame, as browsers do
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]))
  return { head, frame: Buffer.concat([head, mask, masked]) }
}

/** The first frame in `buf`, or undefined while its bytes are still coming. */
export function serverFrame(buf) {
  if (buf.length < 2) return undefined
  let length = buf[1] & 0x7f
  let offset = 2
  if (length === 126) {
    if (buf.length < 4) return undefined
    length = buf.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buf.length < 10) return undefined
    const big = buf.readBigUInt64BE(2)
    if (big > BigInt(MAX_PAYLOAD_BYTES))
      throw new Error(`a ${big}-byte frame is more than we accept`)
    length = Number(big)
    offset = 10
  }
  if (buf[1] & 0x80) throw new Error('a server frame must not be masked')
  if (buf.length < offset + length) return undefined
  return {
    fin: (buf[0] & 0x80) !== 0,
    rsv1: (buf[0] & 0x40) !== 0, // set on compressed messages (permessage-deflate)
    opcode: buf[0] & 0x0f,
    head: buf.subarray(0, offset),
    payload: buf.subarray(offset, offset + length),
    size: offset + length,
  }
}
