import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import { CloseCode, isSupportedSubprotocol } from '@wsrelay/protocol'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  Connection,
  type ConnectionCloseEvent,
  type ConnectionContext,
  type ConnectionOpenEvent,
  type ConnectionRefusal,
} from '../connection/connection.js'
import { RelayError } from '../errors.js'
import { connectionsWithinFdLimit, openFileLimit } from '../settings/fd-limit.js'
import { createHostAllowlist } from '../upgrade/host-allowlist.js'
import { createRequestHandler } from '../http/http-endpoints.js'
import { createRelayMetrics } from '../observability/metrics.js'
import {
  resolveRelayOptions,
  type OwnServerSettingName,
  type RelayOptions,
  type ResolvedRelayOptions,
} from '../settings/relay-options.js'
import {
  BUDGET_SHED_AFTER_MS,
  ConnectionRegistry,
  type Lease,
  type RegistrySnapshot,
} from '../observability/registry.js'
import { relayWebSocketClass } from '../connection/relay-websocket.js'
import { createStaticHandler } from '../http/static-files.js'
import { formatHostPort } from '../targets/target-address.js'
import { targetForOpen, targetForPath } from '../targets/target-selection.js'
import { decideUpgrade } from '../upgrade/upgrade-policy.js'

/** Where a listening relay can be reached. */
export interface RelayAddress {
  readonly host: string
  readonly port: number
  /** `ws://host:port/`, or `wss://` with TLS */
  readonly url: string
}

/** Counters across the relay, from its connection registry. */
export type RelayStats = Omit<RegistrySnapshot, 'totals'> &
  RegistrySnapshot['totals']

/** Events a relay emits, for apps that embed it. */
export interface RelayEvents {
  /** A connection reached its target (the TCP connection is starting). */
  'connection-open': ConnectionOpenEvent
  /** A connection that had a target has ended, with its stats. */
  'connection-close': ConnectionCloseEvent
}

/** Subscribes to a relay event; returns the function that unsubscribes. */
export type RelayOn = <E extends keyof RelayEvents>(
  event: E,
  listener: (payload: RelayEvents[E]) => void,
) => () => void

/** A WebSocket-to-TCP relay; see {@link createRelay}. */
export interface Relay {
  /** Typed events: `connection-open`, `connection-close`. */
  on: RelayOn
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<RelayAddress>
  /**
   * Drains: keeps listening (new upgrades get 503, readiness 503), flushes
   * every connection, closes browsers with 1001 and ends TCP sockets; cuts
   * what is left after `drainTimeout`; then stops listening.
   */
  close(): Promise<void>
  /** The bound address, or undefined before `listen()`. */
  address(): RelayAddress | undefined
  /** Live counters, for tests, metrics and health checks. */
  stats(): RelayStats
}

// The browser's hint for 1001 adds "Reconnect in a few seconds."
const SHUTDOWN_REASON = 'Relay shutting down.'

/** 1 s for a refused HTTP client to read its answer before its socket is destroyed. */
const REFUSED_SOCKET_GRACE_MS = 1000

/**
 * Ends a socket with a final answer, reads (and drops) whatever the client
 * still sends so its FIN or reset is seen, and destroys it after a short
 * grace: a half-open socket must not keep its descriptor.
 */
function endAndForget(socket: Duplex, text: string): void {
  socket.on('data', () => undefined)
  socket.resume()
  socket.end(text)
  setTimeout(() => socket.destroy(), REFUSED_SOCKET_GRACE_MS).unref()
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`
  endAndForget(
    socket,
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** A lease for a connection refused before admission: nothing to give back. */
const NO_LEASE = (clientAddress: string): Lease => ({
  clientAddress,
  release: () => undefined,
})

/**
 * The relay without a server: what to do with an upgrade and with a plain
 * request, the registry, and the drain. `createRelay` gives it a server of
 * its own.
 */
function createRelayCore(config: ResolvedRelayOptions) {
  const log = config.logger
  const registry = new ConnectionRegistry({
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    memoryBudget: config.memoryBudget,
    budgetShedAfterMs: BUDGET_SHED_AFTER_MS,
  })
  const snapshot = () => registry.snapshot()
  const metrics = config.metrics ? createRelayMetrics(snapshot) : undefined
  const hosts = createHostAllowlist(config.listen.host, config.allowHost)
  let isDraining = false
  let nextId = 1
  const listeners: {
    [E in keyof RelayEvents]: Set<(payload: RelayEvents[E]) => void>
  } = { 'connection-open': new Set(), 'connection-close': new Set() }
  const emit = <E extends keyof RelayEvents>(
    event: E,
    payload: RelayEvents[E],
  ): void => {
    for (const listener of listeners[event]) {
      try {
        listener(payload)
      } catch (err) {
        // An app's listener must not break the connection that called it.
        log.error({ err, event }, 'relay event listener threw')
      }
    }
  }
  const on: RelayOn = (event, listener) => {
    listeners[event].add(listener)
    return () => listeners[event].delete(listener)
  }
  let onEmpty: (() => void) | undefined

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: config.maxMessageSize,
    // Off: compression costs CPU per byte and opens the relay to zip bombs.
    perMessageDeflate: false,
    // ws 8.18+: a peer that does not answer our close frame is cut after
    // this (default 30 s); @types/ws does not list it yet.
    ...({ closeTimeout: config.drainTimeout } as object),
    WebSocket: relayWebSocketClass(config.maxMessageSize),
    // The client's preference order; never the token entry.
    handleProtocols: (protocols) => {
      for (const p of protocols) if (isSupportedSubprotocol(p)) return p
      return false
    },
  })

  const context = (path: string | undefined): ConnectionContext => ({
    settings: config,
    chooseTarget: (open) =>
      open === undefined
        ? targetForPath(config, path)
        : targetForOpen(config, open, path),
    onOpened: (event) => emit('connection-open', event),
    onClosed: (connection, event) => {
      registry.remove(connection)
      if (event) emit('connection-close', event)
      metrics?.closed(connection.closeCode ?? CloseCode.NORMAL_CLOSURE)
      if (registry.live.size === 0) onEmpty?.()
    },
    onRefused: (why) => metrics?.refused(why),
  })

  const onConnection = (
    ws: WebSocket,
    path: string | undefined,
    clientAddress: string,
    mode: 'raw' | 'v1',
    policyRefusal: ConnectionRefusal | undefined,
  ): void => {
    const id = nextId++
    const connLog = log.child({ conn: id, client: clientAddress })
    let refusal = policyRefusal
    let lease = NO_LEASE(clientAddress)
    if (!refusal) {
      const admitted = registry.admit(clientAddress)
      if (admitted.ok) lease = admitted.lease
      else
        refusal = {
          code: CloseCode.RELAY_OVERLOADED,
          reason: admitted.reason,
          why: 'limit',
          errorCode: 'RELAY_OVERLOADED',
        }
    }
    const connection = new Connection(
      ws,
      { id, lease, path, mode, log: connLog, refusal },
      context(path),
    )
    if (!refusal) registry.add(connection)
  }

  const handleUpgrade = (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void => {
    // ws installs its own handler once the handshake completes; until then a
    // reset from the client must not become an unhandled 'error'.
    socket.on('error', (err) =>
      log.debug({ err: err.message }, 'upgrade socket error'),
    )

    const decision = decideUpgrade(req, {
      config,
      hosts,
      isDraining: () => isDraining,
    })
    if (decision.kind === 'reject') {
      metrics?.refused(decision.why)
      log.warn(
        {
          client: decision.clientAddress,
          status: decision.status,
          errorCode: decision.errorCode,
          host: req.headers.host,
        },
        `upgrade refused: ${decision.message}`,
      )
      rejectUpgrade(socket, decision.status, decision.message)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Every inbound chunk counts toward an early budget check, so a crowd
      // of half-sent messages cannot outrun the 100 ms timer. Added only now,
      // behind ws's own listener: a 'data' listener added before the
      // handshake would switch the socket to flowing and eat early frames.
      socket.on('data', registry.noteInbound)
      onConnection(
        ws,
        req.url,
        decision.clientAddress,
        decision.mode,
        decision.refusal,
      )
    })
  }

  const handleRequest = createRequestHandler({
    config,
    hosts,
    metrics,
    serveStatic: config.web ? createStaticHandler(config.web) : undefined,
    snapshot,
    isDraining: () => isDraining,
    log,
  })

  /** Drains every connection: 1001 after the flush, cut after the drain timeout. */
  const drain = async (): Promise<void> => {
    isDraining = true
    const emptied = new Promise<void>((resolve) => {
      onEmpty = resolve
      if (registry.live.size === 0) resolve()
    })
    for (const connection of registry.live) connection.shutdown(SHUTDOWN_REASON)
    const deadline = setTimeout(() => {
      for (const connection of registry.live) connection.terminate()
    }, config.drainTimeout)
    await emptied
    clearTimeout(deadline)
    registry.stop()
  }

  return {
    handleUpgrade,
    handleRequest,
    drain,
    snapshot,
    on,
    isDraining: () => isDraining,
  }
}

/** Turns the registry's snapshot into the flat stats object. */
const statsOf = (snapshot: RegistrySnapshot): RelayStats => {
  const { totals, ...rest } = snapshot
  return { ...rest, ...totals }
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
  return createRelayFrom(resolveRelayOptions(options))
}

/** A relay from options already checked (the CLI checks its own, naming flags and variables). */
export function createRelayFrom(resolved: ResolvedRelayOptions): Relay {
  const fdLimit = openFileLimit()
  const maxConnections = connectionsWithinFdLimit(
    resolved.maxConnections,
    fdLimit,
  )
  if (maxConnections < resolved.maxConnections) {
    // A warning when the cut is large or the operator asked for more; a
    // note when the default is trimmed a little (20,000 fds hold 9,967).
    const level =
      !resolved.given.has('maxConnections') &&
      maxConnections >= resolved.maxConnections * 0.9
        ? 'info'
        : 'warn'
    resolved.logger[level](
      { maxConnections, fdLimit },
      `The open-file limit (${fdLimit}) holds only ${maxConnections} connections, not ${resolved.maxConnections}: ` +
        `using ${maxConnections}. Raise it (ulimit -n ${resolved.maxConnections * 2 + 100}) or set --max-connections.`,
    )
  }
  const config = { ...resolved, maxConnections }
  const log = config.logger
  const core = createRelayCore(config)
  let closing: Promise<void> | undefined
  let bound: RelayAddress | undefined

  const serverOptions: http.ServerOptions = {
    // Slow or half-open upgrade requests are answered 408 and dropped.
    headersTimeout: config.handshakeTimeout,
    requestTimeout: config.handshakeTimeout,
    connectionsCheckingInterval: Math.min(1000, config.handshakeTimeout),
  }
  const server = config.tls
    ? https.createServer(
        {
          ...serverOptions,
          cert: config.tls.cert,
          key: config.tls.key,
          // A TLS client that says nothing (or half a ClientHello) is cut here.
          handshakeTimeout: config.handshakeTimeout,
        },
        core.handleRequest,
      )
    : http.createServer(serverOptions, core.handleRequest)
  server.on('upgrade', core.handleUpgrade)

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
      endAndForget(
        socket,
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n\r\n`,
      )
    } else socket.destroy()
  })
  // A TLS handshake that fails or times out is the client's problem: drop it.
  server.on('tlsClientError', (err: Error, socket: Duplex) => {
    log.debug({ err: err.message }, 'tls client error')
    socket.destroy()
  })

  return {
    listen() {
      return new Promise<RelayAddress>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => {
          const where = formatHostPort(config.listen)
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
            host: config.listen.host,
            port: config.listen.port,
            backlog: config.listenBacklog,
          },
          () => {
            server.off('error', onError)
            server.on('error', (err) => log.error({ err }, 'server error'))
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
                  config.route.size > 0
                    ? [...config.route.keys()]
                    : undefined,
                allow:
                  config.allow.length > 0
                    ? config.allow.map((r) => r.text)
                    : undefined,
                web: config.web,
                maxConnections: config.maxConnections,
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
        // Keep listening while draining: new upgrades and readiness get 503,
        // which a load balancer reads, instead of a refused connection.
        await core.drain()
        if (bound) {
          const serverClosed = new Promise<void>((resolve) =>
            server.close(() => resolve()),
          )
          server.closeAllConnections()
          await serverClosed
        }
        log.info('relay closed')
      })()
      return closing
    },

    address: () => bound,

    stats: () => statsOf(core.snapshot()),
    on: core.on,
  }
}

/** Options of {@link attachRelay}: the relay's options, less what the app's server owns. */
export type AttachOptions = Omit<
  RelayOptions,
  OwnServerSettingName | 'tls'
> & {
  /** Upgrades on this path (or below it) are the relay's; others are left to the app. Default `/`. */
  path?: string
}

/** A relay attached to an app's own HTTP server; see {@link attachRelay}. */
export interface AttachedRelay {
  on: RelayOn
  stats(): RelayStats
  /** The readiness the app can serve: false from the moment a drain starts. */
  isReady(): boolean
  /** Drains the relay's connections (1001 after the flush) and detaches; the app closes its server. */
  close(): Promise<void>
}

/**
 * Attaches a relay to an existing `http.Server` (and so to Express, Fastify
 * or Hono's node server): WebSocket upgrades on `path` are relayed, with the
 * same options and events as {@link createRelay}; every other request and
 * upgrade stays the app's.
 *
 * @example
 * const server = http.createServer(app)
 * const relay = attachRelay(server, { path: '/relay', target: '127.0.0.1:5000' })
 * relay.on('connection-close', (c) => console.log(c.bytesToClient))
 * server.listen(8080)
 */
export function attachRelay(
  server: http.Server | https.Server,
  options: AttachOptions,
): AttachedRelay {
  const { path = '/', ...rest } = options
  if (!path.startsWith('/')) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid option path: "${path}". Expected a path such as /relay.`,
    )
  }
  // The app's server answers its own names: no Host allowlist unless asked for.
  const config = resolveRelayOptions({
    allowHost: ['*'],
    ...rest,
    healthPath: false,
    readyPath: false,
  })
  const core = createRelayCore(config)
  const prefix = path.endsWith('/') ? path : `${path}/`
  const onUpgrade = (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void => {
    const url = (req.url ?? '/').split('?')[0] ?? '/'
    if (url !== path && !url.startsWith(prefix)) return // someone else's upgrade
    // Route names are read below the mount path: /relay/echo names route "echo".
    if (path !== '/') req.url = (req.url ?? '/').slice(path.length) || '/'
    if (!req.url?.startsWith('/')) req.url = `/${req.url ?? ''}`
    core.handleUpgrade(req, socket, head)
  }
  server.on('upgrade', onUpgrade)
  let closing: Promise<void> | undefined
  return {
    on: core.on,
    stats: () => statsOf(core.snapshot()),
    isReady: () => !core.isDraining(),
    close() {
      closing ??= core.drain().then(() => {
        server.off('upgrade', onUpgrade)
      })
      return closing
    },
  }
}
