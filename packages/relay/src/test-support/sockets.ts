import { once } from 'node:events'
import net from 'node:net'
import { WebSocket } from 'ws'

/** A real TCP server on 127.0.0.1, port 0, that records its connections. */
export interface TestTcpServer {
  readonly port: number
  readonly sockets: net.Socket[]
  /** Resolves with the next accepted socket (or one already accepted and not taken). */
  nextSocket(): Promise<net.Socket>
  close(): Promise<void>
}

/** Starts a TCP server; `onSocket` runs for every connection. */
export async function startTcpServer(
  onSocket: (socket: net.Socket) => void = () => undefined,
): Promise<TestTcpServer> {
  const sockets: net.Socket[] = []
  const waiting: ((s: net.Socket) => void)[] = []
  let taken = 0
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined) // tests assert on what they expect; resets are fine
    sockets.push(socket)
    onSocket(socket)
    const waiter = waiting.shift()
    if (waiter) {
      taken++
      waiter(socket)
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    sockets,
    nextSocket() {
      const ready = sockets[taken]
      if (ready) {
        taken++
        return Promise.resolve(ready)
      }
      return new Promise((resolve) => waiting.push(resolve))
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A byte-exact echo server, with backpressure. */
export const startEchoServer = (): Promise<TestTcpServer> =>
  startTcpServer((socket) => socket.pipe(socket))

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Opens a WebSocket and waits for it to be open. */
export async function openWebSocket(
  url: string,
  protocols?: string | string[],
  options?: ConstructorParameters<typeof WebSocket>[2],
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options)
  await once(ws, 'open')
  return ws
}

/** The close code and reason a WebSocket ends with. */
export interface Closed {
  code: number
  reason: string
}

/** Resolves when the WebSocket closes. */
export async function closed(ws: WebSocket): Promise<Closed> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed')
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer]
  return { code, reason: reason.toString() }
}

/** Collects every binary message until close; resolves with the bytes and the close. */
export function collectUntilClose(
  ws: WebSocket,
): Promise<{ bytes: Buffer; closed: Closed }> {
  const chunks: Buffer[] = []
  ws.on('message', (data: Buffer) => chunks.push(data))
  return closed(ws).then((c) => ({ bytes: Buffer.concat(chunks), closed: c }))
}

/** Reads from a WebSocket until `length` bytes arrived. */
export function readBytes(ws: WebSocket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let got = 0
    const onMessage = (data: Buffer): void => {
      chunks.push(data)
      got += data.length
      if (got >= length) {
        ws.off('message', onMessage)
        ws.off('close', onClose)
        resolve(Buffer.concat(chunks))
      }
    }
    const onClose = (code: number): void =>
      reject(new Error(`closed with ${code} after ${got} of ${length} bytes`))
    ws.on('message', onMessage)
    ws.on('close', onClose)
  })
}

/** Reads a TCP socket to its end; resolves with everything it sent. */
export async function readToEnd(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await once(socket, 'end')
  return Buffer.concat(chunks)
}

/** Sends a raw HTTP upgrade request and returns the status line and headers text. */
export async function rawUpgrade(
  port: number,
  headers: Record<string, string>,
): Promise<string> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const lines = [
    'GET / HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ]
  socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await once(socket, 'end')
  socket.destroy()
  return Buffer.concat(chunks).toString()
}

/**
 * Records every frame of a WebSocket from the moment it is created, so no
 * frame is missed between two awaits: binary bytes in order, text frames as a
 * queue of control messages.
 */
export class Inbox {
  private bytes = Buffer.alloc(0)
  private readonly texts: string[] = []
  private wake: () => void = () => undefined
  private closedWith: Closed | undefined

  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.bytes = Buffer.concat([this.bytes, data])
      else this.texts.push(data.toString())
      this.wake()
    })
    ws.on('close', (code: number, reason: Buffer) => {
      this.closedWith = { code, reason: reason.toString() }
      this.wake()
    })
  }

  private async until<T>(take: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const value = take()
      if (value !== undefined) return value
      if (this.closedWith)
        throw new Error(
          `closed ${this.closedWith.code} "${this.closedWith.reason}" while waiting for ${what}`,
        )
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  /** The next `length` binary bytes. */
  readBytes(length: number): Promise<Buffer> {
    return this.until(() => {
      if (this.bytes.length < length) return undefined
      const out = this.bytes.subarray(0, length)
      this.bytes = this.bytes.subarray(length)
      return out
    }, `${length} bytes`)
  }

  /** The next text frame, parsed as JSON. */
  nextText(): Promise<unknown> {
    return this.until(() => {
      const text = this.texts.shift()
      return text === undefined ? undefined : (JSON.parse(text) as unknown)
    }, 'a text frame')
  }

  /** The close, once it came. */
  closed(): Promise<Closed> {
    return this.until(() => this.closedWith, 'close')
  }
}
