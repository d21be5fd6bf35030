import dgram from 'node:dgram'
import { once } from 'node:events'

/** Datagrams a flood sends before it lets the event loop run. */
const FLOOD_BATCH = 256

/** One datagram a test server received, and where it came from. */
export interface ReceivedDatagram {
  readonly bytes: Buffer
  readonly from: dgram.RemoteInfo
}

/** A UDP socket on 127.0.0.1, port 0, that a test owns and watches. */
export interface TestUdpServer {
  readonly port: number
  /** Every datagram received, in order. */
  readonly received: ReceivedDatagram[]
  /** Resolves with the next datagram (or one received and not taken yet). */
  nextDatagram(): Promise<ReceivedDatagram>
  /** Sends one datagram to `port` on 127.0.0.1. */
  send(bytes: Buffer | string, port: number): Promise<void>
  /**
   * Sends `datagram` to `port` `count` times, or until `deadlineMs` passes
   * or `tick()` returns true: a bounded flood, in batches that let the
   * event loop breathe and never queue more than a batch in this process.
   */
  flood(
    port: number,
    datagram: Buffer,
    count: number,
    deadlineMs: number,
    tick?: () => boolean | void,
  ): Promise<{ sent: number; elapsedMs: number }>
  /** Stops listening. */
  close(): Promise<void>
}

/**
 * Starts a UDP socket on 127.0.0.1:0. `onDatagram` decides what it does with
 * each datagram (by default nothing: the test drives it); `reply` sends to
 * whoever sent it.
 */
export async function startUdpServer(
  onDatagram: (
    datagram: ReceivedDatagram,
    reply: (bytes: Buffer) => void,
  ) => void = () => undefined,
): Promise<TestUdpServer> {
  const socket = dgram.createSocket('udp4')
  socket.on('error', () => {
    // ICMP errors for datagrams to a relay socket that closed: an outcome, not a crash.
  })
  const received: ReceivedDatagram[] = []
  const waiting: ((d: ReceivedDatagram) => void)[] = []
  let taken = 0
  let isClosed = false
  socket.on('message', (bytes, from) => {
    const datagram = { bytes, from }
    received.push(datagram)
    // A reply after close (a flood still running when the test ended) is dropped, as UDP would.
    onDatagram(datagram, (reply) => {
      if (!isClosed) socket.send(reply, from.port, from.address)
    })
    const waiter = waiting.shift()
    if (waiter) {
      taken++
      waiter(datagram)
    }
  })
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const { port } = socket.address()
  return {
    port,
    received,
    nextDatagram() {
      const ready = received[taken]
      if (ready) {
        taken++
        return Promise.resolve(ready)
      }
      return new Promise((resolve) => waiting.push(resolve))
    },
    send: (bytes, to) =>
      new Promise<void>((resolve, reject) =>
        socket.send(bytes, to, '127.0.0.1', (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    async flood(to, datagram, count, deadlineMs, tick = () => undefined) {
      const started = Date.now()
      let sent = 0
      while (
        sent < count &&
        !isClosed &&
        Date.now() - started < deadlineMs &&
        tick() !== true
      ) {
        for (let i = 0; i < FLOOD_BATCH && sent < count; i++, sent++)
          socket.send(datagram, to, '127.0.0.1')
        // Loopback drops what the receiver has no room for; the sender's
        // queue stays short. Wait for it to empty before the next batch.
        while (socket.getSendQueueCount() > 0 && !isClosed)
          await new Promise<void>((r) => setImmediate(r))
        await new Promise<void>((r) => setImmediate(r))
      }
      return { sent, elapsedMs: Date.now() - started }
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (isClosed) {
          resolve()
          return
        }
        isClosed = true
        socket.close(() => resolve())
      }),
  }
}

/** A datagram echo server: each datagram goes back to its sender, unchanged. */
export const startUdpEchoServer = (): Promise<TestUdpServer> =>
  startUdpServer(({ bytes }, reply) => reply(bytes))

/** A UDP port nothing listens on (bound, then released): datagrams to it get ICMP port unreachable. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4')
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}
