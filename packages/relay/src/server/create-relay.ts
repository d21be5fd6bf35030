import http from 'node:http'
import https from 'node:https'
import type net from 'node:net'
import type { Duplex } from 'node:stream'
import { RelayError } from '../errors.js'
import { answerClientError } from '../http/http-answers.js'
import { logFieldsOf } from '../observability/log-fields.js'
import {
  resolveRelayOptions,
  type RelayOptions,
  type ResolvedRelayOptions,
} from '../settings/relay-options.js'
import { formatHostPort, formatTarget } from '../targets/target-address.js'
import {
  createRelayCore,
  type CoreHooks,
  type RelayStats,
} from './relay-core.js'
import type { RelayOn } from './relay-events.js'

/** Where a listening relay can be reached. */
export interface RelayAddress {
  readonly host: string
  readonly port: number
  /** `ws://host:port/`, or `wss://` with TLS */
  readonly url: string
}

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

/**
 * Creates a relay: WebSocket connections come in on any path, each is piped
 * to its own TCP connection to a target chosen by the URL path (a route, or
 * the fixed target) or, for `wsrelay.v1` clients, by their `open` message.
 *
 * @example
 * const relay = createRelay({ listen: 8080, target: '127.0.0.1:5000' })
 * const { url } = await relay.listen() // ws://127.0.0.1:8080/
 * // later: await relay.close()
 */
export function createRelay(options: RelayOptions): Relay {
  return createRelayFrom(resolveRelayOptions(options))
}

/** What the command line adds when the relay is one of several processes (`--workers`). */
export interface ProcessHooks extends CoreHooks {
  /** Gets the fields of `relay listening` instead of the log: the process that runs the workers logs it once for all. */
  readonly onListening?: (fields: Record<string, unknown>) => void
}

/** A relay from options already checked (the CLI checks its own, naming flags and variables). */
export function createRelayFrom(
  resolved: ResolvedRelayOptions,
  hooks: ProcessHooks = {},
): Relay {
  const core = createRelayCore(resolved, resolved.listen.host, hooks)
  const { config } = core
  const log = config.logger
  let closing: Promise<void> | undefined
  let binding: Promise<RelayAddress> | undefined
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
  // Every accepted socket counts against the open-file limit (TLS ones
  // from before their handshake), refused ones too; the shutdown cuts
  // those still open after the drain (a TLS handshake in flight would
  // otherwise hold server.close() for up to the handshake timeout).
  const accepted = new Set<Duplex>()
  server.on('connection', (socket: Duplex) => {
    accepted.add(socket)
    socket.once('close', () => accepted.delete(socket))
    core.trackSocket(socket as net.Socket)
  })
  server.on('clientError', answerClientError(log, core.refusedGraceMs))
  // A TLS handshake that fails or times out is the client's problem: drop it.
  server.on('tlsClientError', (err: Error, socket: Duplex) => {
    log.debug({ err: err.message }, 'tls client error')
    socket.destroy()
  })

  const listening = (host: string, port: number): RelayAddress => {
    const scheme = config.tls ? 'wss' : 'ws'
    const address = {
      host,
      port,
      url: `${scheme}://${formatHostPort({ host, port })}/`,
    }
    const fields = logFieldsOf('relay listening', {
      url: address.url,
      target: config.target && formatTarget(config.target),
      routes: config.route.size > 0 ? [...config.route.keys()] : undefined,
      allow:
        config.allow.length > 0 ? config.allow.map((r) => r.text) : undefined,
      web: config.web,
      maxConnections: config.maxConnections,
    })
    if (hooks.onListening) hooks.onListening(fields)
    else log.info(fields, 'relay listening')
    return address
  }

  return {
    listen() {
      binding = new Promise<RelayAddress>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => {
          reject(
            new RelayError(
              'RELAY_LISTEN_FAILED',
              `Cannot listen on ${formatHostPort(config.listen)} (${err.code ?? err.message}). ` +
                (err.code === 'EADDRINUSE'
                  ? 'Another process uses that port: stop it or pick another port.'
                  : 'Check the listen address.'),
              { cause: err },
            ),
          )
        }
        server.once('error', onError)
        server.listen(
          { ...config.listen, backlog: config.listenBacklog },
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
            bound = listening(addr.address, addr.port)
            resolve(bound)
          },
        )
      })
      return binding
    },

    close() {
      closing ??= (async () => {
        // A close while the port is still being bound (a signal at start)
        // waits for the bind, so the drain ends with the server closed.
        await binding?.catch(() => undefined)
        // Keep listening while draining: new upgrades and readiness get 503,
        // which a load balancer reads, instead of a refused connection.
        await core.drain()
        if (bound) {
          const serverClosed = new Promise<void>((resolve) =>
            server.close(() => resolve()),
          )
          server.closeAllConnections()
          for (const socket of accepted) socket.destroy()
          await serverClosed
        }
        log.info('relay closed')
      })()
      return closing
    },

    address: () => bound,
    stats: core.stats,
    on: core.on,
  }
}
