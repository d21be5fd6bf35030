import {
  CloseCode,
  MAX_CLOSE_REASON_BYTES,
  SUBPROTOCOL_BINARY,
  SUBPROTOCOL_V1,
  closeCodeInfo,
  describeClose,
  tokenSubprotocol,
} from '@wsrelay/protocol'
import { ClientError } from '../errors.js'
import { reconnectPolicy } from '../reconnect/backoff.js'
import { browserNetwork } from '../reconnect/network.js'
import { Emitter } from './emitter.js'
import { createLifecycle } from './lifecycle.js'
import { startSession, type Session, type SessionEnd } from './session.js'
import type {
  RelayClient,
  RelayClientEvents,
  RelayClientOptions,
  WebSocketConstructorLike,
} from './types.js'
import type { V1Session } from './v1-session.js'

const encoder = new TextEncoder()

/** Default of `drain()`: 1 MiB may wait in the send buffer. */
export const DEFAULT_DRAIN_BYTES = 1024 * 1024
/** A session that stayed open this long (ms) resets the attempt count. */
export const STABLE_SESSION_MS = 5000

/**
 * Opens a WebSocket to a wsrelay and reports what happens as typed events.
 * With `reconnect`, a dropped session is followed by a new one after an
 * exponential backoff (paused while the browser is offline).
 *
 * @example
 * const client = connectRelay('ws://127.0.0.1:8080/', { reconnect: true })
 * client.on('open', ({ session }) => client.send(`hello from session ${session}\n`))
 * client.on('message', ({ text }) => console.log(text))
 * client.on('close', ({ message, willReconnect }) => console.log(message, willReconnect))
 */
export function connectRelay(
  url: string,
  options: RelayClientOptions = {},
): RelayClient {
  const WebSocketCtor = webSocketOf(options)
  checkRelayUrl(url)
  const isV1 = options.protocol === 'v1'
  const protocols = [isV1 ? SUBPROTOCOL_V1 : SUBPROTOCOL_BINARY]
  if (options.token !== undefined)
    protocols.push(tokenSubprotocol(options.token))
  const policy = reconnectPolicy(
    typeof options.reconnect === 'object' ? options.reconnect : {},
  )

  const emitter = new Emitter<RelayClientEvents>()
  let isReconnectOn =
    options.reconnect !== undefined && options.reconnect !== false
  let session: Session | undefined
  let openedAt: number | undefined

  const lifecycle = createLifecycle({
    policy,
    network: options.network ?? browserNetwork(),
    onMove: (change) => emitter.emit('state', change),
    onConnecting: begin,
  })

  /** Entering `connecting`: a new session, or `closed` with the error when its socket cannot be created. */
  function begin(): void {
    const number = lifecycle.session
    const isCurrent = () => number === lifecycle.session
    openedAt = undefined
    session = undefined
    try {
      session = startSession({
        url,
        protocols,
        isV1,
        WebSocket: WebSocketCtor,
        number,
        emitter,
        isCurrent,
        isOpen: () => lifecycle.state === 'open',
        accept() {
          if (lifecycle.state !== 'connecting') return false
          openedAt = Date.now()
          lifecycle.moveTo('open')
          return true
        },
        onEnd: (end) => finish(number, end),
      })
    } catch (err) {
      const error = err as ClientError
      emitter.emit('error', error)
      lifecycle.moveTo('closed', error)
    }
  }

  /** A session's socket closed: reconnect or stop, then say so. */
  function finish(number: number, end: SessionEnd): void {
    if (openedAt !== undefined && Date.now() - openedAt >= STABLE_SESSION_MS)
      lifecycle.resetAttempts()
    const willReconnect =
      lifecycle.state !== 'closing' &&
      isReconnectOn &&
      closeCodeInfo(end.code).retry &&
      lifecycle.attempt < policy.maxAttempts
    if (willReconnect) lifecycle.countAttempt()
    lifecycle.moveTo(willReconnect ? 'waiting-to-reconnect' : 'closed')
    emitter.emit('close', {
      ...describeClose(end.code, end.reason),
      wasClean: end.wasClean,
      session: number,
      willReconnect,
      wasOpen: end.wasOpen,
      targetState: end.targetState,
    })
  }

  const notOpen = (what: string): ClientError =>
    new ClientError(
      'CLIENT_NOT_OPEN',
      `Cannot ${what}: the connection to ${url} is ${lifecycle.state}. Wait for the open event.`,
    )
  const requireOpen = (what: string): Session => {
    if (lifecycle.state !== 'open' || !session) throw notOpen(what)
    return session
  }
  const requireV1 = (what: string): V1Session => {
    if (!isV1) {
      throw new ClientError(
        'CLIENT_NOT_V1',
        `${what} needs the wsrelay.v1 subprotocol: connectRelay(url, { protocol: 'v1' }).`,
      )
    }
    if (!session?.v1) throw notOpen(what)
    return session.v1
  }

  const client: RelayClient = {
    url,
    get state() {
      return lifecycle.state
    },
    get targetState() {
      return session?.targetState ?? 'none'
    },
    get session() {
      return lifecycle.session
    },
    get autoReconnect() {
      return isReconnectOn
    },
    set autoReconnect(value: boolean) {
      isReconnectOn = value
      if (!value && lifecycle.state === 'waiting-to-reconnect')
        lifecycle.moveTo('closed')
    },
    on: (type, listener) => emitter.on(type, listener),
    send(data) {
      requireOpen('send').send(
        typeof data === 'string' ? encoder.encode(data) : data,
      )
    },
    drain(maxBufferedBytes = DEFAULT_DRAIN_BYTES) {
      if (!(maxBufferedBytes >= 0)) {
        throw new ClientError(
          'CLIENT_INVALID_OPTION',
          `drain(${maxBufferedBytes}): expected a number of bytes >= 0.`,
        )
      }
      return requireOpen('drain').drain(maxBufferedBytes)
    },
    close(code = CloseCode.NORMAL_CLOSURE, reason = '') {
      checkCloseArguments(code, reason)
      switch (lifecycle.state) {
        case 'connecting':
        case 'open':
          lifecycle.moveTo('closing')
          session?.close(code, reason)
          return
        case 'idle':
        case 'waiting-to-reconnect':
          lifecycle.moveTo('closed')
          return
        case 'closing':
        case 'closed':
          return
      }
    },
    connect() {
      if (lifecycle.state !== 'idle' && lifecycle.state !== 'closed') {
        throw new ClientError(
          'CLIENT_ALREADY_OPENED',
          `connect() needs an idle or closed client; this one is ${lifecycle.state}.`,
        )
      }
      lifecycle.resetAttempts()
      lifecycle.moveTo('connecting')
    },
    retryNow() {
      if (lifecycle.state === 'waiting-to-reconnect')
        lifecycle.moveTo('connecting')
      else if (lifecycle.state === 'closed') client.connect()
    },
    open(target) {
      const v1 = requireV1('open()')
      if (lifecycle.state !== 'connecting' && lifecycle.state !== 'open')
        throw notOpen('open()')
      return v1.open(target)
    },
    ping: () => requireV1('ping()').ping(),
    end: () => requireV1('end()').end(),
  }

  if (options.autoConnect !== false) lifecycle.moveTo('connecting')
  return client
}

function webSocketOf(options: RelayClientOptions): WebSocketConstructorLike {
  const Ctor =
    options.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket
  if (!Ctor) {
    throw new ClientError(
      'CLIENT_NO_WEBSOCKET',
      'No WebSocket implementation: pass options.WebSocket (e.g. the "ws" package in Node 20).',
    )
  }
  return Ctor
}

/** A URL the WebSocket constructor would reject is misuse: said at once, not on the first attempt. */
function checkRelayUrl(url: string): void {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed?.protocol !== 'ws:' && parsed?.protocol !== 'wss:') {
    throw new ClientError(
      'CLIENT_INVALID_URL',
      `Invalid relay URL "${url}": expected ws://host:port/path or wss://...`,
    )
  }
}

/** The browser throws on these (and the socket would stay open): say so first. */
function checkCloseArguments(code: number, reason: string): void {
  if (code !== CloseCode.NORMAL_CLOSURE && !(code >= 3000 && code <= 4999)) {
    throw new ClientError(
      'CLIENT_INVALID_OPTION',
      `close(${code}): a page may close with 1000 or a code from 3000 to 4999.`,
    )
  }
  const bytes = encoder.encode(reason).length
  if (bytes > MAX_CLOSE_REASON_BYTES) {
    throw new ClientError(
      'CLIENT_INVALID_OPTION',
      `close(${code}, reason): the reason is ${bytes} bytes of UTF-8; at most ${MAX_CLOSE_REASON_BYTES} fit in a close frame.`,
    )
  }
}
