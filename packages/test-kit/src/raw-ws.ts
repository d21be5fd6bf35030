import { randomBytes } from 'node:crypto'
import net from 'node:net'

/**
 * A WebSocket client written by hand on a bare TCP socket, so a test can send
 * what no well-behaved library would: unmasked frames, RSV bits, reserved
 * opcodes, lying 64-bit lengths, bad fragments, bytes after the upgrade.
 */

/** RFC 6455 5.2 opcodes, plus reserved ones a hostile client may send. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const

/** Every field of one frame; anything left out is what a correct client sends. */
export interface FrameSpec {
  readonly opcode: number
  readonly payload?: Buffer | string
  /** FIN bit; default true. */
  readonly fin?: boolean
  /** RSV1..3 as a 3-bit number (4 = RSV1); default 0. */
  readonly rsv?: number
  /** Mask the payload (clients must); default true. */
  readonly mask?: boolean
  /** Length encoding: 7-bit, 16-bit or 64-bit; default the shortest. */
  readonly lengthForm?: 'auto' | '7' | '16' | '64'
  /** A length to announce instead of the payload's real one (may lie). */
  readonly declaredLength?: bigint
  /** The 4-byte masking key; default random (RFC 6455 5.3). */
  readonly maskKey?: Buffer
}

/** Serializes one frame exactly as the spec says, lies included. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload =
    typeof spec.payload === 'string'
      ? Buffer.from(spec.payload, 'utf8')
      : (spec.payload ?? Buffer.alloc(0))
  const length = spec.declaredLength ?? BigInt(payload.length)
  const form =
    spec.lengthForm === undefined || spec.lengthForm === 'auto'
      ? length < 126n
        ? '7'
        : length < 65536n
          ? '16'
          : '64'
      : spec.lengthForm
  const mask = spec.mask ?? true
  const head: number[] = [
    ((spec.fin ?? true) ? 0x80 : 0) |
      (((spec.rsv ?? 0) & 7) << 4) |
      (spec.opcode & 0xf),
  ]
  const maskBit = mask ? 0x80 : 0
  let extended = Buffer.alloc(0)
  if (form === '7') {
    head.push(maskBit | Number(length & 0x7fn))
  } else if (form === '16') {
    head.push(maskBit | 126)
    extended = Buffer.alloc(2)
    extended.writeUInt16BE(Number(length & 0xffffn))
  } else {
    head.push(maskBit | 127)
    extended = Buffer.alloc(8)
    extended.writeBigUInt64BE(length & 0xffffffffffffffffn)
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload])
  const key = spec.maskKey ?? randomBytes(4)
  const masked = Buffer.alloc(payload.length)
  for (let i = 0; i < payload.length; i++)
    masked[i] = (payload[i] ?? 0) ^ (key[i & 3] ?? 0)
  return Buffer.concat([Buffer.from(head), extended, key, masked])
}

/** A close frame's payload: 2-byte code and a reason (raw bytes allowed). */
export function closePayload(
  code: number,
  reason: Buffer | string = '',
): Buffer {
  const head = Buffer.alloc(2)
  head.writeUInt16BE(code & 0xffff)
  return Buffer.concat([
    head,
    typeof reason === 'string' ? Buffer.from(reason) : reason,
  ])
}

/** Options for the opening handshake. */
export interface HandshakeSpec {
  readonly path?: string
  /** Host header; default 127.0.0.1:PORT. `null` leaves it out. */
  readonly host?: string | null
  readonly origin?: string
  readonly protocols?: readonly string[]
  /** Sec-WebSocket-Version; default 13. */
  readonly version?: string
  /** More header lines, e.g. `Sec-WebSocket-Origin: evil`. */
  readonly headers?: readonly string[]
  /** Bytes written in the same TCP write, right after the request. */
  readonly trailing?: Buffer
}

/** Builds an HTTP upgrade request by hand. */
export function handshakeRequest(
  port: number,
  spec: HandshakeSpec = {},
): Buffer {
  const lines = [
    `GET ${spec.path ?? '/'} HTTP/1.1`,
    ...(spec.host === null
      ? []
      : [`Host: ${spec.host ?? `127.0.0.1:${port}`}`]),
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    `Sec-WebSocket-Version: ${spec.version ?? '13'}`,
    ...(spec.origin === undefined ? [] : [`Origin: ${spec.origin}`]),
    ...(spec.protocols && spec.protocols.length > 0
      ? [`Sec-WebSocket-Protocol: ${spec.protocols.join(', ')}`]
      : []),
    ...(spec.headers ?? []),
  ]
  return Buffer.concat([
    Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'),
    spec.trailing ?? Buffer.alloc(0),
  ])
}

/** A frame the server sent. */
export interface ServerFrame {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Buffer
}

/** An HTTP response head (and body, for non-101 answers that end). */
export interface HttpHead {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** How a connection ended, as far as the client could tell. */
export type Ending =
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'end' }
  | { readonly kind: 'reset'; readonly error: string }
  | { readonly kind: 'timeout' }

/** Thrown when an awaited thing does not happen in time. */
export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/**
 * One raw TCP connection to the relay. It reads everything the server sends:
 * first the HTTP head, then frames. Nothing here throws from an event handler.
 */
export class RawConnection {
  readonly socket: net.Socket
  /** Every frame the server sent, in order. */
  readonly frames: ServerFrame[] = []
  head: HttpHead | undefined
  ending: Ending | undefined
  private buffer = Buffer.alloc(0)
  private waiters = new Set<() => void>()
  private bodyLength = -1
  /** Answer the server's close frame with one of our own, as a browser does. */
  replyToClose = false

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.parse()
      this.wake()
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.ending ??= { kind: 'reset', error: err.code ?? err.message }
      this.wake()
    })
    socket.on('close', () => {
      this.parse()
      if (this.head && this.head.status !== 101 && this.bodyLength < 0) {
        this.head = { ...this.head, body: this.buffer.toString('utf8') }
      }
      this.ending ??= { kind: 'end' }
      this.wake()
    })
  }

  /** Opens a TCP connection to 127.0.0.1:port. */
  static async connect(
    port: number,
    host = '127.0.0.1',
  ): Promise<RawConnection> {
    const socket = net.connect({ port, host })
    const conn = new RawConnection(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return conn
  }

  /** Connects and upgrades; resolves with the HTTP head (101 or a refusal). */
  static async open(
    port: number,
    spec: HandshakeSpec = {},
    timeoutMs = 5000,
    options: { replyToClose?: boolean } = {},
  ): Promise<RawConnection> {
    const conn = await RawConnection.connect(port)
    conn.replyToClose = options.replyToClose ?? false
    conn.write(handshakeRequest(port, spec))
    await conn.waitFor(
      () => conn.head !== undefined || conn.ending !== undefined,
      timeoutMs,
      'the HTTP response',
    )
    return conn
  }

  /** True while the socket can still be written. */
  get isWritable(): boolean {
    return !this.socket.destroyed && this.socket.writable
  }

  /** Writes raw bytes; ignored once the socket is gone. */
  write(bytes: Buffer): boolean {
    if (!this.isWritable) return false
    return this.socket.write(bytes)
  }

  /** Writes one frame built from `spec`. */
  send(spec: FrameSpec): boolean {
    return this.write(encodeFrame(spec))
  }

  /** Sends a masked text frame. */
  sendText(text: string): boolean {
    return this.send({ opcode: Opcode.TEXT, payload: text })
  }

  /** Sends a masked binary frame. */
  sendBinary(bytes: Buffer): boolean {
    return this.send({ opcode: Opcode.BINARY, payload: bytes })
  }

  /** Resolves when `ready()` is true; rejects with TimeoutError after `timeoutMs`. */
  waitFor(
    ready: () => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    if (ready()) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!ready()) return
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new TimeoutError(`No ${what} within ${timeoutMs} ms.`))
      }, timeoutMs)
      this.waiters.add(check)
    })
  }

  /** Waits for the connection to end; a close frame counts as the end. */
  async waitForEnd(timeoutMs: number): Promise<Ending> {
    try {
      await this.waitFor(() => this.ending !== undefined, timeoutMs, 'close')
    } catch {
      // The caller asserts on the returned ending; a timeout is one outcome.
      return { kind: 'timeout' }
    }
    return this.ending ?? { kind: 'timeout' }
  }

  /** Text frames parsed as JSON (wsrelay.v1 control messages). */
  controlMessages(): Record<string, unknown>[] {
    return this.frames
      .filter((f) => f.opcode === Opcode.TEXT)
      .map((f) => {
        try {
          return JSON.parse(f.payload.toString('utf8')) as Record<
            string,
            unknown
          >
        } catch {
          return { unparsable: f.payload.toString('hex') }
        }
      })
  }

  /** Bytes of every binary frame so far. */
  binaryBytes(): Buffer {
    return Buffer.concat(
      this.frames
        .filter(
          (f) => f.opcode === Opcode.BINARY || f.opcode === Opcode.CONTINUATION,
        )
        .map((f) => f.payload),
    )
  }

  /** Sends a close frame (if possible) and destroys the socket. */
  destroy(): void {
    this.socket.destroy()
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter()
  }

  private parse(): void {
    if (this.head === undefined) {
      const end = this.buffer.indexOf('\r\n\r\n')
      if (end < 0) return
      const lines = this.buffer
        .subarray(0, end)
        .toString('latin1')
        .split('\r\n')
      const status = Number(
        /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0,
      )
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':')
        if (colon > 0)
          headers[line.slice(0, colon).trim().toLowerCase()] = line
            .slice(colon + 1)
            .trim()
      }
      this.buffer = this.buffer.subarray(end + 4)
      this.head = { status, headers, body: '' }
      if (status !== 101)
        this.bodyLength = Number(headers['content-length'] ?? -1)
    }
    if (this.head.status !== 101) {
      if (this.bodyLength >= 0 && this.buffer.length >= this.bodyLength) {
        this.head = {
          ...this.head,
          body: this.buffer.subarray(0, this.bodyLength).toString('utf8'),
        }
      }
      return
    }
    for (;;) {
      const frame = readFrame(this.buffer)
      if (!frame) return
      this.buffer = this.buffer.subarray(frame.size)
      this.frames.push(frame.frame)
      if (frame.frame.opcode === Opcode.CLOSE && this.ending === undefined) {
        const p = frame.frame.payload
        this.ending = {
          kind: 'close',
          code: p.length >= 2 ? p.readUInt16BE(0) : 1005,
          reason: p.subarray(2).toString('utf8'),
        }
        if (this.replyToClose)
          this.write(
            encodeFrame({ opcode: Opcode.CLOSE, payload: p.subarray(0, 2) }),
          )
      }
    }
  }
}

/** Parses one server frame (unmasked, or masked if a server misbehaves). */
export function readFrame(
  buf: Buffer,
): { frame: ServerFrame; size: number } | undefined {
  if (buf.length < 2) return undefined
  const b0 = buf[0] ?? 0
  const b1 = buf[1] ?? 0
  let length = b1 & 0x7f
  let offset = 2
  if (length === 126) {
    if (buf.length < 4) return undefined
    length = buf.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buf.length < 10) return undefined
    length = Number(buf.readBigUInt64BE(2))
    offset = 10
  }
  const masked = (b1 & 0x80) !== 0
  const keyAt = offset
  if (masked) offset += 4
  if (buf.length < offset + length) return undefined
  const payload = Buffer.from(buf.subarray(offset, offset + length))
  if (masked)
    for (let i = 0; i < payload.length; i++)
      payload[i] = (payload[i] ?? 0) ^ (buf[keyAt + (i & 3)] ?? 0)
  return {
    frame: { fin: (b0 & 0x80) !== 0, opcode: b0 & 0xf, payload },
    size: offset + length,
  }
}
