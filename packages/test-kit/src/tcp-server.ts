import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { SUBPROTOCOL_BINARY } from '@wsrelay/protocol'
import { RawConnection } from './raw-ws.js'

/** A TCP server on 127.0.0.1, port 0, that a test owns and watches. */
export interface TestTcpServer {
  readonly port: number
  /** Every socket accepted, in order. */
  readonly sockets: net.Socket[]
  /** Resolves with the next accepted socket (or one accepted and not taken yet). */
  nextSocket(): Promise<net.Socket>
  /** Connections accepted so far. */
  accepted(): number
  /** Bytes received so far, over all connections. */
  received(): number
  /** Resolves with the bytes received once at least `n` came, or when `timeoutMs` passes. */
  waitForBytes(n: number, timeoutMs: number): Promise<number>
  /** Destroys every socket and stops listening. */
  close(): Promise<void>
}

/**
 * Starts a TCP server on 127.0.0.1:0. `onSocket` decides what each accepted
 * socket does (by default nothing: the test drives it). Sockets are
 * half-open capable unless asked otherwise, so a test sees the relay's FIN
 * apart from its own; every socket has an error listener: a reset is an
 * outcome to assert on.
 */
export async function startTcpServer(
  onSocket: (socket: net.Socket) => void = () => undefined,
  { allowHalfOpen = true }: { allowHalfOpen?: boolean } = {},
): Promise<TestTcpServer> {
  let received = 0
  const sockets: net.Socket[] = []
  const open = new Set<net.Socket>()
  const waiting: ((s: net.Socket) => void)[] = []
  let taken = 0
  const bytesWaiters = new Set<() => void>()
  const server = net.createServer({ allowHalfOpen }, (socket) => {
    socket.on('error', () => {
      // A relay that resets its TCP side is an outcome the tests look at, not a crash here.
    })
    sockets.push(socket)
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.on('data', (c: Buffer) => {
      received += c.length
      for (const wake of [...bytesWaiters]) wake()
    })
    onSocket(socket)
    const waiter = waiting.shift()
    if (waiter) {
      taken++
      waiter(socket)
    }
  })
  server.on('error', () => {
    // Only listen() can fail, and it rejects below.
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, resolve)
  })
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
    accepted: () => sockets.length,
    received: () => received,
    waitForBytes: (n, timeoutMs) =>
      new Promise<number>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          bytesWaiters.delete(check)
          resolve(received)
        }
        const check = (): void => {
          if (received >= n) done()
        }
        const timer = setTimeout(done, timeoutMs)
        bytesWaiters.add(check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A byte-exact echo server, with backpressure (the pipe pauses a peer that does not read). */
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

/**
 * Checks the relay still does its job: a fresh client upgrades, sends
 * `bytes` random bytes in one binary message, and gets the same bytes back
 * from an echo target. Resolves with a description of what went wrong, or
 * undefined when the echo came back whole.
 */
export async function echoProblem(
  port: number,
  options: { path?: string; bytes?: number; timeoutMs?: number } = {},
): Promise<string | undefined> {
  const payload = randomBytes(options.bytes ?? 1024)
  const timeoutMs = options.timeoutMs ?? 5000
  let conn: RawConnection | undefined
  try {
    conn = await RawConnection.open(
      port,
      { path: options.path ?? '/', protocols: [SUBPROTOCOL_BINARY] },
      timeoutMs,
    )
    if (conn.head?.status !== 101)
      return `upgrade answered ${conn.head?.status ?? 'nothing'} ${conn.head?.body ?? ''}`
    conn.sendBinary(payload)
    const c = conn
    await c.waitFor(
      () => c.binaryBytes().length >= payload.length || c.ending !== undefined,
      timeoutMs,
      'echo',
    )
    const got = c.binaryBytes()
    if (!got.subarray(0, payload.length).equals(payload))
      return `echo returned ${got.length} of ${payload.length} bytes${c.ending ? ` then ${JSON.stringify(c.ending)}` : ''}`
    return undefined
  } catch (err) {
    return `known-good client failed: ${(err as Error).message}`
  } finally {
    conn?.destroy()
  }
}
