import net from 'node:net'
import { EchoError } from './errors.js'
import { createLineEcho } from './line-echo.js'
import { startUdpEcho, type UdpEcho } from './udp-echo.js'

/** 2 s for clients to close after the server ended their connection. */
export const CLOSE_GRACE_MS = 2000

/** Options of {@link createEchoServer}. */
export interface EchoServerOptions {
  /** Default `127.0.0.1`. */
  host?: string
  /** Default 0: a free port. */
  port?: number
  /** When set, line mode: each line comes back followed by this text. Otherwise bytes come back as they are. */
  suffix?: string
  /** Also answer UDP on this port (0: a free one): each datagram back to its sender, as one datagram. */
  udpPort?: number
  /** Called with one line of text per event (listening, connection open/close). */
  log?: (line: string) => void
}

/** A running echo server. */
export interface EchoServer {
  /** Starts listening; resolves with the bound port (and the UDP port, with `udpPort`). */
  listen(): Promise<{ host: string; port: number; udpPort?: number }>
  /** Stops accepting, ends every connection, resolves when all are closed. */
  close(): Promise<void>
  /** Connections open right now. */
  readonly connections: number
}

/**
 * A TCP echo server that serves many clients at once, and with `udpPort` a
 * UDP echo beside it.
 *
 * @example
 * const echo = createEchoServer({ port: 5000, suffix: ' from the server' })
 * await echo.listen()
 */
export function createEchoServer(options: EchoServerOptions = {}): EchoServer {
  const host = options.host ?? '127.0.0.1'
  const log = options.log ?? (() => undefined)
  const sockets = new Set<net.Socket>()
  let nextId = 1
  let udp: UdpEcho | undefined

  const server = net.createServer((socket) => {
    const id = nextId++
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    let bytes = 0
    sockets.add(socket)
    log(`connection ${id} open from ${peer}`)
    socket.setNoDelay(true)
    socket.on('error', (err: NodeJS.ErrnoException) => {
      log(`connection ${id} error ${err.code ?? err.message}`)
    })
    socket.on('close', () => {
      sockets.delete(socket)
      log(`connection ${id} closed after ${bytes} bytes`)
    })
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length))

    if (options.suffix === undefined) {
      // pipe() applies backpressure: a client that does not read stops being read.
      socket.pipe(socket)
      return
    }
    const echo = createLineEcho(options.suffix)
    socket.on('data', (chunk: Buffer) => {
      let ok = true
      for (const reply of echo(chunk)) ok = socket.write(reply) && ok
      if (!ok) {
        socket.pause()
        socket.once('drain', () => socket.resume())
      }
    })
    socket.on('end', () => socket.end())
  })

  return {
    async listen() {
      const port = options.port ?? 0
      if (options.udpPort !== undefined)
        udp = await startUdpEcho(host, options.udpPort, options.suffix, log)
      return new Promise((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new EchoError(
              'ECHO_LISTEN_FAILED',
              `Cannot listen on ${host}:${port} (${err.code ?? err.message}). Is another server using the port?`,
              { cause: err },
            ),
          ),
        )
        server.listen({ host, port, backlog: 2048 }, () => {
          const addr = server.address() as net.AddressInfo
          log(
            `echo server listening on ${addr.address}:${addr.port}${udp ? `, UDP ${addr.address}:${udp.port}` : ''} (${options.suffix === undefined ? 'byte echo' : `line mode, suffix ${JSON.stringify(options.suffix)}`})`,
          )
          resolve({
            host: addr.address,
            port: addr.port,
            ...(udp ? { udpPort: udp.port } : {}),
          })
        })
      })
    },
    close() {
      const udpClosed = udp?.close()
      return new Promise((resolve) => {
        server.close(
          () => void Promise.resolve(udpClosed).then(() => resolve()),
        )
        for (const socket of sockets) socket.end()
        // A client that never closes its side must not keep the server alive.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy()
        }, CLOSE_GRACE_MS).unref()
      })
    },
    get connections() {
      return sockets.size
    },
  }
}
