import { Opcode } from './frame-parser.js'

/** Header bytes of an unmasked server frame carrying `length` bytes (RFC 6455 5.2). */
export function headerLength(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10
}

/**
 * Writes the header of one final, unmasked frame into `target` at `at`;
 * returns the bytes written (2, 4 or 10). Servers never mask (RFC 6455 5.1).
 */
export function writeHeader(
  target: Buffer,
  at: number,
  opcode: number,
  length: number,
): number {
  target[at] = 0x80 | opcode
  if (length < 126) {
    target[at + 1] = length
    return 2
  }
  if (length < 0x10000) {
    target[at + 1] = 126
    target.writeUInt16BE(length, at + 2)
    return 4
  }
  target[at + 1] = 127
  // Lengths past 2^32 never leave this relay (messages are chunks of a socket read).
  target.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at + 2)
  target.writeUInt32BE(length >>> 0, at + 6)
  return 10
}

/** One whole frame (header and payload in one buffer): for small and control payloads. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const size = headerLength(payload.length)
  const frame = Buffer.allocUnsafe(size + payload.length)
  writeHeader(frame, 0, opcode, payload.length)
  payload.copy(frame, size)
  return frame
}

/** A close frame: the code, then the reason as UTF-8 (the caller keeps it within 123 bytes). */
export function encodeClose(code: number, reason: string): Buffer {
  const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason))
  payload.writeUInt16BE(code, 0)
  payload.write(reason, 2, 'utf8')
  return encodeFrame(Opcode.CLOSE, payload)
}
