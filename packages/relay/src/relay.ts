import http from 'node:http'
import type { Duplex } from 'node:stream'
import {
  CloseCode,
  fitCloseReason,
  isSupportedSubprotocol,
} from '@wsrelay/protocol'
import sirv from 'sirv'
import { WebSocketServer, type WebSocket } from 'ws'
import { Bridge } from './bridge.js'
import { RelayError, type RelayErrorCode } from './errors.js'
import {
  DEFAULT_LISTEN_BACKLOG,
  resolveRelayOptions,
  type RelayOptions,
} from './options.js'
import { formatHostPort } from './target-address.js'

/** Where a listening relay can be reached. */
export interface RelayAddress {
  readonly host: string
  readonly port: number
  /** `ws://host:port/` */
  readonly url: string
}

/** Counters across all live connections. */
export interface RelayStats {
  readonly connections: number
  /** Bytes held by the relay right now, all connections, both directions. */
  readonly bufferedBytes: number
  /** Most bytes one connection has held for the browser at once. */
  readonly peakPendingToClient: number
  /** Most bytes one connection has held for the target at once. */
  readonly peakPendingToTarget: number
  readonly targetPauses: number
  readonly clientPauses: number
}

/** A WebSocket-to-TCP relay; see {@link createRelay}. */
export interface Relay {
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<RelayAddress>
  /**
   * Stops accepting, flushes every connection, closes browsers with 1001 and
   * ends TCP sockets; cuts what is left after `drainTimeoutMs`.
   */
  close(): Promise<void>
  /** The bound address, or undefined before `listen()`. */
  address(): RelayAddress | undefined
  /** Live counters, for tests, metrics and health checks. */
  stats(): RelayStats
}

/** 1 s for a refused peer to answer our close frame before it is cut. */
const REFUSED_CLOSE_GRACE_MS = 1000

const offeredProtocols = (header: string | undefined): string[] =>
  (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/**
 * Creates a relay that accepts WebSocket connections on any path and pipes
 * each one to a fresh TCP connection to `target`.
 *
 * @example
 * const relay = createRelay({ target: '127.0.0.1:5000', port: 8080 })
 * const { url } = await relay.listen() // ws://127.0.0.1:8080/
 * // later: await relay.close()
 */
export function createRelay(options: RelayOptions): Relay {
  const config = resolveRelayOptions(options)
  const log = config.logger
  const bridges = new Set<Bridge>()
  let nextId = 1
  let closing: Promise<void> | undefined
  let bound: RelayAddress | undefined

  const serveStatic = config.web
    ? sirv(config.web, { etag: true, dev: false })
    : undefined

  const server = http.createServer(
    {
      // Slow or half-open upgrade requests are answered 408 and dropped.
      headersTimeout: config.handshakeTimeoutMs,
      requestTimeout: config.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.handshakeTimeoutMs),
    },
    (req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(closing ? 503 : 200, {
          'content-type': 'application/json',
        })
        res.end(
          JSON.stringify({
            status: closing ? 'closing' : 'ok',
            connections: bridges.size,
          }),
        )
        return
      }
      const notFound = (): void => {
        res.writeHead(serveStatic ? 404 : 426, {
          'content-type': 'text/plain; charset=utf-8',
        })
        res.end(
          serveStatic
            ? 'Not found.\n'
            : 'This is a wsrelay WebSocket endpoint: connect with a WebSocket client. ' +
                'Start the relay with --web DIR to serve pages here too.\n',
        )
      }
      if (serveStatic) serveStatic(req, res, notFound)
      else notFound()
    },
  )

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: config.maxMessageBytes,
    // Off: compression costs CPU per byte and opens the relay to zip bombs.
    perMessageDeflate: false,
    handleProtocols: (protocols) => {
      for (const p of protocols) if (isSupportedSubprotocol(p)) return p
      return false
    },
  })

  const connectionsPerIp = new Map<string, number>()

  /** Says why a new connection is over a limit, or undefined when it is within them. */
  const overLimit = (clientAddress: string): string | undefined => {
    if (bridges.size >= config.maxConnections) {
      return `Relay is at its limit of ${config.maxConnections} connections. Try again later.`
    }
    const fromIp = connectionsPerIp.get(clientAddress) ?? 0
    if (
      config.maxConnectionsPerIp > 0 &&
      fromIp >= config.maxConnectionsPerIp
    ) {
      return `Too many connections from ${clientAddress} (limit ${config.maxConnectionsPerIp}). Try again later.`
    }
    return undefined
  }

  const onConnection = (ws: WebSocket, req: http.IncomingMessage): void => {
    const clientAddress = req.socket.remoteAddress ?? 'unknown'
    const refusal = overLimit(clientAddress)
    if (refusal) {
      log.warn(
        { client: clientAddress, code: CloseCode.RELAY_OVERLOADED },
        refusal,
      )
      ws.on('error', () => undefined) // the peer may be gone already; nothing to do
      ws.close(CloseCode.RELAY_OVERLOADED, fitCloseReason(refusal))
      // Do not let a refused peer hold a socket for ws's 30 s close timeout.
      setTimeout(() => ws.terminate(), REFUSED_CLOSE_GRACE_MS).unref()
      return
    }
    const id = nextId++
    connectionsPerIp.set(
      clientAddress,
      (connectionsPerIp.get(clientAddress) ?? 0) + 1,
    )
    const bridge = new Bridge(
      ws,
      { id, target: config.target, clientAddress },
      config,
    )
    bridges.add(bridge)
    log.info(
      {
        conn: id,
        client: clientAddress,
        target: formatHostPort(config.target),
        path: req.url,
        protocol: ws.protocol || undefined,
      },
      'connection open',
    )
    void bridge.done.then(() => {
      bridges.delete(bridge)
      const left = (connectionsPerIp.get(clientAddress) ?? 1) - 1
      if (left > 0) connectionsPerIp.set(clientAddress, left)
      else connectionsPerIp.delete(clientAddress)
    })
  }

  server.on(
    'upgrade',
    (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      // ws installs its own handler once the handshake completes; until then a
      // reset from the client must not become an unhandled 'error'.
      socket.on('error', (err) =>
        log.debug({ err: err.message }, 'upgrade socket error'),
      )
      if (closing) {
        rejectUpgrade(
          socket,
          503,
          'The relay is shutting down. Try again shortly.',
        )
        return
      }
      const offered = offeredProtocols(req.headers['sec-websocket-protocol'])
      if (offered.length > 0 && !offered.some(isSupportedSubprotocol)) {
        const message = `Unsupported WebSocket subprotocol(s) ${offered.join(', ')}. Offer "binary" or none.`
        log.warn(
          {
            code: 'RELAY_SUBPROTOCOL_UNSUPPORTED' satisfies RelayErrorCode,
            client: req.socket.remoteAddress,
            offered,
          },
          message,
        )
        rejectUpgrade(socket, 400, message)
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req))
    },
  )

  // A request that is malformed, too large or too slow (the handshake
  // timeout) is answered and dropped here; it must never crash the relay.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    log.debug({ err: err.code }, 'http client error')
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? 431
          : 400
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n\r\n`,
      )
    } else socket.destroy()
  })

  const sum = (pick: (b: Bridge) => number): number => {
    let total = 0
    for (const b of bridges) total += pick(b)
    return total
  }
  const max = (pick: (b: Bridge) => number): number => {
    let most = 0
    for (const b of bridges) most = Math.max(most, pick(b))
    return most
  }

  return {
    listen() {
      return new Promise<RelayAddress>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => {
          const where = formatHostPort({ host: config.host, port: config.port })
          reject(
            new RelayError(
              'RELAY_LISTEN_FAILED',
              `Cannot listen on ${where} (${err.code ?? err.message}). ` +
                (err.code === 'EADDRINUSE'
                  ? 'Another process uses that port: stop it or pick another port.'
                  : 'Check the listen address.'),
              { cause: err },
            ),
          )
        }
        server.once('error', onError)
        server.listen(
          {
            host: config.host,
            port: config.port,
            backlog: DEFAULT_LISTEN_BACKLOG,
          },
          () => {
            server.off('error', onError)
            const addr = server.address()
            if (addr === null || typeof addr === 'string') {
              reject(
                new RelayError(
                  'RELAY_LISTEN_FAILED',
                  'The relay is not bound to a TCP port.',
                ),
              )
              return
            }
            const host = addr.address
            bound = {
              host,
              port: addr.port,
              url: `ws://${formatHostPort({ host, port: addr.port })}/`,
            }
            log.info(
              {
                url: bound.url,
                target: formatHostPort(config.target),
                web: config.web,
              },
              'relay listening',
            )
            resolve(bound)
          },
        )
      })
    },

    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) =>
          server.close(() => resolve()),
        )
        server.closeIdleConnections()
        for (const bridge of bridges) {
          bridge.shutdown(CloseCode.RELAY_SHUTTING_DOWN, 'Relay shutting down.')
        }
        const deadline = setTimeout(() => {
          for (const bridge of bridges) bridge.terminate()
          server.closeAllConnections()
        }, config.drainTimeoutMs)
        const draining = [...bridges]
        await Promise.all(draining.map((b) => b.done))
        clearTimeout(deadline)
        // Every byte and FIN went out; drop sockets lingering for late target bytes.
        for (const bridge of draining) bridge.terminate()
        server.closeAllConnections()
        if (bound) await serverClosed
        log.info('relay closed')
      })()
      return closing
    },

    address: () => bound,

    stats: () => ({
      connections: bridges.size,
      bufferedBytes: sum((b) => b.bufferedBytes),
      peakPendingToClient: max((b) => b.stats.peakPendingToClient),
      peakPendingToTarget: max((b) => b.stats.peakPendingToTarget),
      targetPauses: sum((b) => b.stats.targetPauses),
      clientPauses: sum((b) => b.stats.clientPauses),
    }),
  }
}
