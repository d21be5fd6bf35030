import http from 'node:http'
import type https from 'node:https'
import type { Duplex } from 'node:stream'
import {
  answerRequestTimeout,
  answerUpgradeRefusal,
  endAndForget,
} from '../http/http-answers.js'
import { hintOf, REFUSALS } from '../refusals.js'
import { originFormOf } from '../targets/target-selection.js'

/** One relay mounted on a path of an app's server. */
export interface Mount {
  /** `/relay`; `/` takes every upgrade. */
  readonly path: string
  /** How long a connection may take to send its first request head, in ms. */
  readonly handshakeTimeoutMs: number
  readonly handle: (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ) => void
}

type Server = http.Server | https.Server

interface Dispatcher {
  readonly mounts: Set<Mount>
  readonly detach: () => void
}

const dispatchers = new WeakMap<Server, Dispatcher>()

/** True when `url`'s path is `path` or below it. */
const isUnder = (url: string, path: string): boolean => {
  const pathname = originFormOf(url).split('?')[0] ?? '/'
  if (path === '/') return true
  const prefix = path.endsWith('/') ? path : `${path}/`
  return pathname === path || pathname.startsWith(prefix)
}

/**
 * What Node does with an upgrade when no one listens for them: the app's
 * request handler answers it as a plain request (an `Upgrade: h2c` GET
 * gets its page; a WebSocket to a path no relay has gets whatever the app
 * says there, never a 101). The connection closes after the answer.
 */
function handToApp(
  server: Server,
  req: http.IncomingMessage,
  socket: Duplex,
  hasRequestHandler: boolean,
): void {
  if (!hasRequestHandler) {
    const { answer } = REFUSALS.noEndpoint
    answerUpgradeRefusal(
      socket,
      answer.status,
      `No WebSocket endpoint at this path. ${hintOf(answer)}`,
    )
    return
  }
  const res = new http.ServerResponse(req)
  res.shouldKeepAlive = false
  res.assignSocket(socket as unknown as import('node:net').Socket)
  res.on('finish', () => {
    res.detachSocket(socket as unknown as import('node:net').Socket)
    endAndForget(socket, '')
  })
  server.emit('request', req, res)
}

/**
 * One 'upgrade' listener per app server, shared by every relay attached to
 * it: each upgrade goes to the relay mounted on the longest path that
 * holds it. One no relay owns is left to the app's other 'upgrade'
 * listeners when there are any; with none, it is handed to the app as
 * Node would have (a listener of our own stops Node from doing so, and a
 * socket no one answers would be held until the app's timeouts).
 *
 * The header phase of each connection's first request is bounded too, by
 * the longest handshake timeout of the relays attached: Node's own
 * `headersTimeout` is 60 s and checked every 30 s, so a dripped upgrade
 * to a relay's path would otherwise be bounded by the app's timeouts.
 */
export function mountRelay(server: Server, mount: Mount): () => void {
  let dispatcher = dispatchers.get(server)
  if (!dispatcher) {
    const mounts = new Set<Mount>()
    const started = new WeakSet<Duplex>()
    const onUpgrade = (
      req: http.IncomingMessage,
      socket: Duplex,
      head: Buffer,
    ): void => {
      started.add(socket)
      const url = req.url ?? '/'
      let owner: Mount | undefined
      for (const m of mounts)
        if (isUnder(url, m.path) && m.path.length > (owner?.path.length ?? -1))
          owner = m
      if (owner) {
        owner.handle(req, socket, head)
        return
      }
      // A reset must not become an unhandled 'error' on a socket we hand on.
      socket.on('error', () => undefined)
      if (server.listenerCount('upgrade') > 1) return // another listener's
      // Our own 'request' listener only watches; the app's answers.
      const handlers = server
        .listeners('request')
        .filter((l) => l !== onRequest).length
      handToApp(server, req, socket, handlers > 0)
    }
    const onRequest = (req: http.IncomingMessage): void => {
      started.add(req.socket)
    }
    const onConnection = (socket: Duplex): void => {
      let timeoutMs = 0
      for (const m of mounts)
        timeoutMs = Math.max(timeoutMs, m.handshakeTimeoutMs)
      const timer = setTimeout(() => {
        if (started.has(socket) || socket.destroyed) return
        answerRequestTimeout(socket)
      }, timeoutMs)
      timer.unref()
      socket.once('close', () => clearTimeout(timer))
    }
    server.on('upgrade', onUpgrade)
    server.on('request', onRequest)
    // TLS servers: 'secureConnection' is where HTTP begins; the TLS
    // handshake has its own timeout.
    const connectionEvent =
      'setSecureContext' in server ? 'secureConnection' : 'connection'
    server.on(connectionEvent, onConnection)
    dispatcher = {
      mounts,
      detach: () => {
        server.off('upgrade', onUpgrade)
        server.off('request', onRequest)
        server.off(connectionEvent, onConnection)
        dispatchers.delete(server)
      },
    }
    dispatchers.set(server, dispatcher)
  }
  const { mounts, detach } = dispatcher
  mounts.add(mount)
  return () => {
    mounts.delete(mount)
    if (mounts.size === 0) detach()
  }
}
