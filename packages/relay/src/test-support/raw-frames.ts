import { once } from 'node:events'
import net from 'node:net'

/** One WebSocket frame, built by hand so a test can break any rule of RFC 6455 5.2. */
export interface FrameSpec {
  fin?: boolean
  rsv?: number
  opcode: number
  payload?: Buffer
  /** Default true: client frames must be masked. */
  mask?: boolean
  /** Lie about the length: write this 64-bit length instead of the real one. */
  length64?: bigint
}

/** Encodes a frame; `length64` writes a 127-form length that need not match the payload. */
export function frame({
  fin = true,
  rsv = 0,
  opcode,
  payload = Buffer.alloc(0),
  mask = true,
  length64,
}: FrameSpec): Buffer {
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 15)]
  const maskBit = mask ? 0x80 : 0
  let ext = Buffer.alloc(0)
  if (length64 !== undefined) {
    head.push(maskBit | 127)
    ext = Buffer.alloc(8)
    ext.writeBigUInt64BE(length64)
  } else if (payload.length < 126) head.push(maskBit | payload.length)
  else if (payload.length < 65536) {
    head.push(maskBit | 126)
    ext = Buffer.alloc(2)
    ext.writeUInt16BE(payload.length)
  } else {
    head.push(maskBit | 127)
    ext = Buffer.alloc(8)
    ext.writeBigUInt64BE(BigInt(payload.length))
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, payload])
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78])
  const masked = Buffer.from(payload)
  for (let i = 0; i < masked.length; i++)
    masked[i] = (masked[i] ?? 0) ^ (key[i % 4] ?? 0)
  return Buffer.concat([Buffer.from(head), ext, key, masked])
}

/** A close frame's payload: code and reason. */
export const closePayload = (code: number, reason = ''): Buffer => {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason))
  b.writeUInt16BE(code)
  b.write(reason, 2)
  return b
}

/** The upgrade request as a browser would send it; `extra` adds header lines. */
export function upgradeRequest(
  path = '/',
  extra: Record<string, string> = {},
  host = '127.0.0.1',
): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ]
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** What a raw client saw: the HTTP head, and the close code of the server's close frame if any. */
export interface RawOutcome {
  head: string
  closeCode: number | undefined
  closeReason: string
}

/**
 * Opens a raw socket, sends the upgrade (plus `after`, in the same write when
 * `sameWrite`), and collects until the server closes the connection.
 */
export async function rawExchange(
  port: number,
  request: string,
  after: Buffer[] = [],
  { sameWrite = false, timeoutMs = 5000 } = {},
): Promise<RawOutcome> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => undefined)
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  let replied = false
  socket.on('data', (c: Buffer) => {
    chunks.push(c)
    // Answer the server's close frame, as a real client does, so it can hang up at once.
    if (
      !replied &&
      parseOutcome(Buffer.concat(chunks)).closeCode !== undefined
    ) {
      replied = true
      socket.end(frame({ opcode: 8, payload: closePayload(1000) }))
    }
  })
  const ended = new Promise<void>((resolve) =>
    socket.once('close', () => resolve()),
  )
  if (sameWrite)
    socket.write(Buffer.concat([Buffer.from(request, 'latin1'), ...after]))
  else {
    socket.write(request)
    for (const b of after) socket.write(b)
  }
  const timer = setTimeout(() => socket.destroy(), timeoutMs)
  await ended
  clearTimeout(timer)
  return parseOutcome(Buffer.concat(chunks))
}

/** The HTTP head and, if present, the server's close frame, from raw bytes. */
function parseOutcome(all: Buffer): RawOutcome {
  const split = all.indexOf('\r\n\r\n')
  const head = all
    .subarray(0, split === -1 ? all.length : split)
    .toString('latin1')
  // Frames follow only a 101; after any other status the rest is a body.
  let rest =
    split === -1 || !head.startsWith('HTTP/1.1 101')
      ? Buffer.alloc(0)
      : all.subarray(split + 4)
  let closeCode: number | undefined
  let closeReason = ''
  // Walk the server's (unmasked) frames to the close frame.
  while (rest.length >= 2) {
    const opcode = (rest[0] ?? 0) & 15
    let len = (rest[1] ?? 0) & 127
    let at = 2
    if (len === 126) {
      if (rest.length < 4) break
      len = rest.readUInt16BE(2)
      at = 4
    } else if (len === 127) {
      if (rest.length < 10) break
      len = Number(rest.readBigUInt64BE(2))
      at = 10
    }
    if (rest.length < at + len) break
    if (opcode === 8 && len >= 2) {
      closeCode = rest.readUInt16BE(at)
      closeReason = rest.subarray(at + 2, at + len).toString('utf8')
      break
    }
    rest = rest.subarray(at + len)
  }
  return { head, closeCode, closeReason }
}
