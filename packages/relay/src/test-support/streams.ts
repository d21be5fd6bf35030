import { spawn } from 'node:child_process'
import { createHash, randomBytes, type Hash } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { pino, type Logger } from 'pino'
import type { WebSocket } from 'ws'

/** Frame sizes that cross every WebSocket length encoding (RFC 6455 5.2). */
export const EDGE_CHUNK_SIZES = [
  1, 125, 126, 127, 1000, 65535, 65536, 65537, 4096, 262144, 7, 131072,
]

/** Sends `total` pseudo-random bytes over a ws client in chunks cycling through `sizes`, honouring backpressure. */
export async function sendChunks(
  ws: WebSocket,
  total: number,
  sizes: number[],
): Promise<string> {
  const hash = createHash('sha256')
  const block = randomBytes(1024 * 1024)
  let sent = 0
  for (let i = 0; sent < total; i++) {
    const size = Math.min(
      sizes[i % sizes.length] ?? 1,
      total - sent,
      block.length / 2,
    )
    const start = (sent * 7) % (block.length - size) // vary the bytes, not only their order
    const chunk = block.subarray(start, start + size)
    hash.update(chunk)
    sent += size
    if (ws.bufferedAmount > 4 * 1024 * 1024) {
      await new Promise<void>((resolve, reject) =>
        ws.send(chunk, (err) => (err ? reject(err) : resolve())),
      )
    } else {
      ws.send(chunk)
    }
  }
  return hash.digest('hex')
}

/** Writes `total` pseudo-random bytes to a TCP socket in chunks cycling through `sizes`, honouring backpressure. */
export class ChunkWriter {
  /** True while waiting for 'drain': the peer is not taking more. */
  isBlocked = false
  isFinished = false
  written = 0
  private readonly hash: Hash = createHash('sha256')

  constructor(
    private readonly socket: net.Socket,
    private readonly total: number,
    private readonly sizes: number[],
  ) {}

  async run(): Promise<string> {
    const block = randomBytes(1024 * 1024)
    for (let i = 0; this.written < this.total; i++) {
      const size = Math.min(
        this.sizes[i % this.sizes.length] ?? 1,
        this.total - this.written,
        block.length / 2,
      )
      const start = (this.written * 13) % (block.length - size)
      const chunk = block.subarray(start, start + size)
      this.hash.update(chunk)
      this.written += size
      if (!this.socket.write(chunk)) {
        this.isBlocked = true
        await once(this.socket, 'drain')
        this.isBlocked = false
      }
    }
    this.isFinished = true
    return this.hash.digest('hex')
  }
}

/** SHA-256 and length of everything a ws client receives until close. */
export function hashUntilClose(
  ws: WebSocket,
): Promise<{ sha256: string; length: number; code: number; reason: string }> {
  const hash = createHash('sha256')
  let length = 0
  ws.on('message', (data: Buffer) => {
    hash.update(data)
    length += data.length
  })
  return once(ws, 'close').then(([code, reason]) => ({
    sha256: hash.digest('hex'),
    length,
    code: code as number,
    reason: String(reason),
  }))
}

/**
 * SHA-256 and length of what a TCP socket receives: until its end, or until
 * `length` bytes when given (for a peer that will not send FIN yet).
 */
export function hashIncoming(
  socket: net.Socket,
  length?: number,
): Promise<{ sha256: string; length: number }> {
  const hash = createHash('sha256')
  let got = 0
  return new Promise((resolve, reject) => {
    const finish = (): void =>
      resolve({ sha256: hash.digest('hex'), length: got })
    socket.on('data', (c: Buffer) => {
      hash.update(c)
      got += c.length
      if (length !== undefined && got === length) finish()
      if (length !== undefined && got > length)
        reject(new Error(`got ${got} > ${length} bytes`))
    })
    socket.once('end', () =>
      length === undefined
        ? finish()
        : got < length &&
          reject(new Error(`end after ${got} of ${length} bytes`)),
    )
    // A reset instead of a FIN: fail with what came, never wait forever.
    socket.once('close', () =>
      reject(new Error(`closed without FIN after ${got} bytes`)),
    )
  })
}

/**
 * A loopback listener that never accepts: its accept queue is filled, so a
 * further SYN gets no answer, as from a firewalled host. Python's socket API
 * can listen without accepting; Node's cannot.
 */
export async function startBlackholeListener(): Promise<{
  port: number
  close(): void
}> {
  const script = [
    'import socket, sys',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]; fill = []',
    'for _ in range(4):',
    '    c = socket.socket(); c.setblocking(False)',
    '    try: c.connect(("127.0.0.1", port))',
    '    except BlockingIOError: pass',
    '    fill.append(c)',
    'print(port, flush=True)',
    'sys.stdin.read()', // lives until the test closes stdin
  ].join('\n')
  const child = spawn('python3', ['-c', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const [line] = (await once(child.stdout, 'data')) as [Buffer]
  return {
    port: Number(line.toString().trim()),
    close: () => {
      child.stdin.end()
      child.kill()
    },
  }
}

/** A pino logger whose lines are kept, parsed, for assertions. */
export function captureLogs(): {
  logger: Logger
  lines: Record<string, unknown>[]
} {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) =>
        lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  )
  return { logger, lines }
}
