import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { SUBPROTOCOL_BINARY } from '@wsrelay/protocol'
import { RawConnection } from './raw-ws.js'

/** A TCP server on 127.0.0.1, port 0, that the tests own. */
export interface TcpTarget {
  readonly port: number
  /** Connections accepted so far. */
  accepted(): number
  /** Bytes received so far, over all connections. */
  received(): number
  /** Resolves with the bytes received once at least `n` came, or when `timeoutMs` passes. */
  waitForBytes(n: number, timeoutMs: number): Promise<number>
  close(): Promise<void>
}

/**
 * Starts a TCP server on 127.0.0.1:0. `onSocket` decides what each accepted
 * socket does; by default it echoes. Every socket gets an error listener.
 */
export async function startTarget(
  onSocket: (socket: net.Socket) => void = (s) => s.pipe(s),
): Promise<TcpTarget> {
  let accepted = 0
  let received = 0
  const sockets = new Set<net.Socket>()
  const waiters = new Set<() => void>()
  const server = net.createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('error', () => {
      // A relay that resets its TCP side is an outcome the tests look at, not a crash here.
    })
    socket.on('close', () => sockets.delete(socket))
    socket.on('data', (c: Buffer) => {
      received += c.length
      for (const wake of [...waiters]) wake()
    })
    onSocket(socket)
  })
  server.on('error', () => {
    // Only listen() can fail, and it rejects below.
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, resolve)
  })
  const address = server.address() as net.AddressInfo
  return {
    port: address.port,
    accepted: () => accepted,
    received: () => received,
    waitForBytes: (n, timeoutMs) =>
      new Promise<number>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(check)
          resolve(received)
        }
        const check = (): void => {
          if (received >= n) done()
        }
        const timer = setTimeout(done, timeoutMs)
        waiters.add(check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
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
