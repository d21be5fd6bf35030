import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import {
  CloseCode,
  SUBPROTOCOL_V1,
  TOKEN_SUBPROTOCOL_PREFIX,
  fitCloseReason,
  isSupportedSubprotocol,
  parseClientMessage,
} from '@wsrelay/protocol'
import sirv from 'sirv'
import { WebSocketServer, type WebSocket } from 'ws'
import { Bridge, type ClientMessage } from './bridge.js'
import { clientAddressOf } from './client-address.js'
import { RelayError, type RelayErrorCode } from './errors.js'
import {
  DEFAULT_LISTEN_BACKLOG,
  resolveRelayOptions,
  type RelayOptions,
} from './options.js'
import { createRelayMetrics, type RefusalReason } from './metrics.js'
import { isOriginAllowed } from './origin-policy.js'
import { formatHostPort } from './target-address.js'
import {
  targetForOpen,
  targetForPath,
  type ChosenTarget,
  type TargetChoice,
} from './target-selection.js'
import { offersToken, redactTokens } from './token.js'

/** Where a listening relay can be reached. */
export interface RelayAddress {
  readonly host: string
  readonly port: number
  /** `ws://host:port/`, or `wss://` with TLS */
  readonly url: string
}

/** Counters across all live connections. */
export interface RelayStats {
  /** Live connections, including ones still choosing a target. */
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

/** Closes a WebSocket that never got a target, without waiting long for the peer. */
function closeEarly(ws: WebSocket, code: number, reason: string): void {
  ws.on('error', () => undefined) // the peer may be gone already; nothing to do
  ws.resume() // paused while its open was checked: read the peer's close reply
  ws.close(code, fitCloseReason(reason))
  // Do not let a refused peer hold a socket for ws's 30 s close timeout.
  setTimeout(() => ws.terminate(), REFUSED_CLOSE_GRACE_MS).unref()
}

/**
 * Creates a relay: WebSocket connections come in on any path, each is piped
 * to its own TCP connection to a target chosen by the URL path (a route, or
 * the fixed target) or, for `wsrelay.v1` clients, by their `open` message.
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
  /** v1 connections still waiting for, or resolving, their open message. */
  const opening = new Set<WebSocket>()
  const connectionsPerIp = new Map<string, number>()
  /** Counters of connections that have ended, for totals since start. */
  const ended = {
    bytesToTarget: 0,
    bytesToClient: 0,
    targetPauses: 0,
    clientPauses: 0,
  }
  let nextId = 1
  let closing: Promise<void> | undefined
  let bound: RelayAddress | undefined

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

  const metrics = config.metrics
    ? createRelayMetrics({
        connections: () => bridges.size + opening.size,
        bufferedBytes: () => sum((b) => b.bufferedBytes),
        totals: () => ({
          bytesToTarget:
            ended.bytesToTarget + sum((b) => b.stats.bytesToTarget),
          bytesToClient:
            ended.bytesToClient + sum((b) => b.stats.bytesToClient),
          targetPauses: ended.targetPauses + sum((b) => b.stats.targetPauses),
          clientPauses: ended.clientPauses + sum((b) => b.stats.clientPauses),
        }),
      })
    : undefined

  const serveStatic = config.web
    ? sirv(config.web, { etag: true, dev: false })
    : undefined

  const onRequest = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz') {
      res.writeHead(closing ? 503 : 200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          status: closing ? 'closing' : 'ok',
          connections: bridges.size + opening.size,
        }),
      )
      return
    }
    if (path === '/metrics' && metrics) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType })
          res.end(text)
        },
        (err: unknown) => {
          log.error({ err }, 'metrics failed')
          res.writeHead(500).end()
        },
      )
      return
    }
    if (path === '/routes' && config.routeList) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      })
      res.end(
        JSON.stringify({
          routes: [...config.routes.keys()],
          defaultTarget: config.target !== undefined,
          clientChosenTargets: config.allowRules.length > 0,
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
  }

  const serverOptions: http.ServerOptions = {
    // Slow or half-open upgrade requests are answered 408 and dropped.
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: config.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, config.handshakeTimeoutMs),
  }
  const server = config.tls
    ? https.createServer(
        { ...serverOptions, cert: config.tls.cert, key: config.tls.key },
        onRequest,
      )
    : http.createServer(serverOptions, onRequest)

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: config.maxMessageBytes,
    // Off: compression costs CPU per byte and opens the relay to zip bombs.
    perMessageDeflate: false,
    // The client's preference order; never the token entry.
    handleProtocols: (protocols) => {
      for (const p of protocols) if (isSupportedSubprotocol(p)) return p
      return false
    },
  })

  /** Says why a new connection is over a limit, or undefined when it is within them. */
  const overLimit = (clientAddress: string): string | undefined => {
    if (bridges.size + opening.size >= config.maxConnections) {
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

  const release = (clientAddress: string): void => {
    const left = (connectionsPerIp.get(clientAddress) ?? 1) - 1
    if (left > 0) connectionsPerIp.set(clientAddress, left)
    else connectionsPerIp.delete(clientAddress)
  }

  const startBridge = (
    ws: WebSocket,
    target: ChosenTarget,
    clientAddress: string,
    path: string | undefined,
    early: readonly ClientMessage[] = [],
  ): void => {
    const id = nextId++
    const mode = ws.protocol === SUBPROTOCOL_V1 ? 'v1' : 'raw'
    const bridge = new Bridge(
      ws,
      { id, target, clientAddress, mode },
      config,
      early,
    )
    bridges.add(bridge)
    log.info(
      {
        conn: id,
        client: clientAddress,
        target: formatHostPort(target),
        ...(target.route ? { route: target.route } : {}),
        ...(target.isClientChosen ? { address: target.connectTo } : {}),
        path,
        protocol: ws.protocol || undefined,
      },
      'connection open',
    )
    void bridge.done.then(() => {
      bridges.delete(bridge)
      release(clientAddress)
      for (const key of Object.keys(ended) as (keyof typeof ended)[]) {
        ended[key] += bridge.stats[key]
      }
      metrics?.closed(bridge.closeCode ?? 1005)
    })
  }

  const refuseTarget = (
    ws: WebSocket,
    clientAddress: string,
    path: string | undefined,
    choice: TargetChoice,
    reason: RefusalReason = 'target',
  ): void => {
    if (choice.ok) return
    metrics?.refused(reason)
    log.warn(
      { client: clientAddress, path, code: choice.code, reason: choice.reason },
      `connection refused: ${choice.reason}`,
    )
    closeEarly(ws, choice.code, choice.reason)
    release(clientAddress)
  }

  /**
   * wsrelay.v1: the first message must be `open`. Messages that follow it
   * while the target is chosen are kept (the WebSocket is paused meanwhile)
   * and handed to the bridge in order.
   */
  const awaitOpen = (
    ws: WebSocket,
    clientAddress: string,
    path: string | undefined,
  ): void => {
    opening.add(ws)
    const early: ClientMessage[] = []
    let hasOpen = false
    const finish = (): void => {
      opening.delete(ws)
      clearTimeout(timer)
      ws.off('message', onMessage)
      ws.off('close', onClose)
    }
    const fail = (code: number, reason: string): void => {
      finish()
      refuseTarget(
        ws,
        clientAddress,
        path,
        { ok: false, code, reason },
        'protocol',
      )
    }
    const timer = setTimeout(
      () =>
        fail(
          CloseCode.POLICY_VIOLATION,
          `No open message within ${config.handshakeTimeoutMs} ms.`,
        ),
      config.handshakeTimeoutMs,
    )
    timer.unref()
    const onClose = (): void => {
      finish()
      release(clientAddress)
    }
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      if (hasOpen) {
        early.push({ data, isBinary })
        return
      }
      if (isBinary) return fail(CloseCode.POLICY_VIOLATION, 'Data before open.')
      const parsed = parseClientMessage(data.toString('utf8'))
      if (!parsed.ok) return fail(CloseCode.POLICY_VIOLATION, parsed.error)
      if (parsed.message.type !== 'open') {
        return fail(
          CloseCode.POLICY_VIOLATION,
          `${parsed.message.type} before open.`,
        )
      }
      hasOpen = true
      ws.pause()
      void targetForOpen(config, parsed.message, path).then((choice) => {
        if (!opening.has(ws)) return // closed, or the relay shut down, meanwhile
        finish()
        if (!choice.ok) return refuseTarget(ws, clientAddress, path, choice)
        startBridge(ws, choice.target, clientAddress, path, early)
        ws.resume()
      })
    }
    ws.on('message', onMessage)
    ws.on('close', onClose)
  }

  const onConnection = (
    ws: WebSocket,
    req: http.IncomingMessage,
    clientAddress: string,
  ): void => {
    const refusal = overLimit(clientAddress)
    if (refusal) {
      metrics?.refused('limit')
      log.warn(
        { client: clientAddress, code: CloseCode.RELAY_OVERLOADED },
        refusal,
      )
      closeEarly(ws, CloseCode.RELAY_OVERLOADED, refusal)
      return
    }
    connectionsPerIp.set(
      clientAddress,
      (connectionsPerIp.get(clientAddress) ?? 0) + 1,
    )
    if (ws.protocol === SUBPROTOCOL_V1) {
      awaitOpen(ws, clientAddress, req.url)
      return
    }
    const choice = targetForPath(config, req.url)
    if (choice.ok) startBridge(ws, choice.target, clientAddress, req.url)
    else refuseTarget(ws, clientAddress, req.url, choice)
  }

  /** Checks that come before the handshake; answers with an HTTP status when one fails. */
  const refuseUpgrade = (
    req: http.IncomingMessage,
    clientAddress: string,
    offered: string[],
  ): [number, string, RefusalReason] | undefined => {
    if (closing) {
      return [
        503,
        'The relay is shutting down. Try again shortly.',
        'shutting-down',
      ]
    }
    const origin = req.headers.origin
    if (!isOriginAllowed(origin, req.headers.host, config.allowOrigins)) {
      log.warn(
        {
          code: 'RELAY_ORIGIN_REJECTED' satisfies RelayErrorCode,
          client: clientAddress,
          origin,
        },
        `Refused WebSocket from origin ${origin ?? ''}: not this relay's own origin. ` +
          `Allow it with --allow-origin ${origin ?? ''}`,
      )
      return [
        403,
        `Origin ${origin ?? ''} is not allowed. The relay operator can allow it with --allow-origin.`,
        'origin',
      ]
    }
    if (config.token !== undefined && !offersToken(offered, config.token)) {
      const hasToken = offered.some((p) =>
        p.startsWith(TOKEN_SUBPROTOCOL_PREFIX),
      )
      log.warn(
        {
          code: 'RELAY_UNAUTHORIZED' satisfies RelayErrorCode,
          client: clientAddress,
        },
        hasToken
          ? 'Refused WebSocket: wrong token.'
          : 'Refused WebSocket: no token offered.',
      )
      return [
        401,
        'A valid token is required: offer it as the subprotocol wsrelay.token.<token>.',
        'token',
      ]
    }
    const protocols = offered.filter(
      (p) => !p.startsWith(TOKEN_SUBPROTOCOL_PREFIX),
    )
    if (protocols.length > 0 && !protocols.some(isSupportedSubprotocol)) {
      const message = `Unsupported WebSocket subprotocol(s) ${redactTokens(protocols).join(', ')}. Offer "${SUBPROTOCOL_V1}", "binary" or none.`
      log.warn(
        {
          code: 'RELAY_SUBPROTOCOL_UNSUPPORTED' satisfies RelayErrorCode,
          client: clientAddress,
        },
        message,
      )
      return [400, message, 'subprotocol']
    }
    return undefined
  }

  server.on(
    'upgrade',
    (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      // ws installs its own handler once the handshake completes; until then a
      // reset from the client must not become an unhandled 'error'.
      socket.on('error', (err) =>
        log.debug({ err: err.message }, 'upgrade socket error'),
      )
      const clientAddress = clientAddressOf(req, config.trustedProxies)
      const offered = offeredProtocols(req.headers['sec-websocket-protocol'])
      const refusal = refuseUpgrade(req, clientAddress, offered)
      if (refusal) {
        const [status, message, reason] = refusal
        metrics?.refused(reason)
        rejectUpgrade(socket, status, message)
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) =>
        onConnection(ws, req, clientAddress),
      )
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
  // A TLS handshake that fails (bad client, plain HTTP on the TLS port) is the client's problem.
  server.on('tlsClientError', (err: Error) =>
    log.debug({ err: err.message }, 'tls client error'),
  )

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
            const scheme = config.tls ? 'wss' : 'ws'
            bound = {
              host,
              port: addr.port,
              url: `${scheme}://${formatHostPort({ host, port: addr.port })}/`,
            }
            log.info(
              {
                url: bound.url,
                target: config.target
                  ? formatHostPort(config.target)
                  : undefined,
                routes:
                  config.routes.size > 0
                    ? [...config.routes.keys()]
                    : undefined,
                allow:
                  config.allowRules.length > 0
                    ? config.allowRules.map((r) => r.text)
                    : undefined,
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
        for (const ws of opening)
          closeEarly(ws, CloseCode.RELAY_SHUTTING_DOWN, 'Relay shutting down.')
        for (const bridge of bridges)
          bridge.shutdown(CloseCode.RELAY_SHUTTING_DOWN, 'Relay shutting down.')
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
      connections: bridges.size + opening.size,
      bufferedBytes: sum((b) => b.bufferedBytes),
      peakPendingToClient: max((b) => b.stats.peakPendingToClient),
      peakPendingToTarget: max((b) => b.stats.peakPendingToTarget),
      targetPauses: sum((b) => b.stats.targetPauses),
      clientPauses: sum((b) => b.stats.clientPauses),
    }),
  }
}
