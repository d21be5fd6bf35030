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
import { createDrainWaiters, type DrainWaiters } from './drain-waiters.js'
import { Emitter } from './emitter.js'
import { createLifecycle } from './lifecycle.js'
import { openSessionSocket, type SessionSocket } from './session-socket.js'
import type {
  RelayClient,
  RelayClientEvents,
  RelayClientOptions,
  RelayCloseEvent,
  WebSocketConstructorLike,
} from './types.js'
import { createV1Session, type V1Session } from './v1-session.js'

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
  // The current session's parts, replaced together when the next one starts.
  let socket: SessionSocket | undefined
  let v1: V1Session | undefined
  let drains: DrainWaiters | undefined
  let openedAt: number | undefined

  const lifecycle = createLifecycle({
    policy,
    network: options.network ?? browserNetwork(),
    onMove: (change) => emitter.emit('state', change),
    onConnecting: startSession,
  })

  /** Entering `connecting`: a new session with its own socket, v1 state and drain waiters. */
  function startSession(): void {
    const session = lifecycle.session
    openedAt = undefined
    socket = undefined
    const isCurrent = (): boolean => session === lifecycle.session
    v1 = isV1
      ? createV1Session({
          url,
          session,
          isSocketOpen: () => isCurrent() && lifecycle.state === 'open',
          sendText: (text) => socket?.send(text),
          emit: (type, event) => emitter.emit(type, event),
          onceClosed: (listener) =>
            emitter.on('close', (close) => {
              if (close.session === session) listener(close)
            }),
        })
      : undefined
    try {
      socket = openSessionSocket(WebSocketCtor, url, protocols, isV1, {
        onOpen(protocol) {
          if (!isCurrent() || lifecycle.state !== 'connecting') return
          openedAt = Date.now()
          lifecycle.moveTo('open')
          v1?.onSocketOpen()
          emitter.emit('open', { protocol, session, isReconnect: session > 1 })
        },
        onData: (bytes, text) => {
          if (isCurrent()) emitter.emit('message', { bytes, text })
        },
        onControl: (text) => {
          if (isCurrent()) v1?.onControl(text)
        },
        onError() {
          if (!isCurrent()) return
          emitter.emit(
            'error',
            new ClientError(
              'CLIENT_CONNECTION_ERROR',
              `WebSocket error on ${url}; the close event that follows says why.`,
            ),
          )
        },
        onClose: (event) => {
          if (isCurrent()) endSession(session, event)
        },
      })
    } catch (err) {
      const error = err as ClientError
      emitter.emit('error', error)
      lifecycle.moveTo('closed', error)
      return
    }
    const current = socket
    drains = createDrainWaiters(() => current.bufferedAmount)
  }

  /** The session's socket closed: settle what waits, then reconnect or stop. */
  function endSession(
    session: number,
    event: {
      code: number
      reason: string
      wasClean: boolean
    },
  ): void {
    const wasOpen = socket?.wasOpen ?? false
    socket = undefined
    const message = 'The session closed before the answer arrived.'
    drains?.fail(message)
    v1?.onClosed(message)
    if (openedAt !== undefined && Date.now() - openedAt >= STABLE_SESSION_MS)
      lifecycle.resetAttempts()
    const willReconnect =
      lifecycle.state !== 'closing' &&
      isReconnectOn &&
      closeCodeInfo(event.code).retry &&
      lifecycle.attempt < policy.maxAttempts
    if (willReconnect) {
      lifecycle.countAttempt()
      lifecycle.moveTo('waiting-to-reconnect')
    } else {
      lifecycle.moveTo('closed')
    }
    const close: RelayCloseEvent = {
      ...describeClose(event.code, event.reason),
      wasClean: event.wasClean,
      session,
      willReconnect,
      wasOpen,
      targetState: v1?.targetState ?? 'none',
    }
    emitter.emit('close', close)
  }

  const requireV1 = (what: string): V1Session => {
    if (!isV1) {
      throw new ClientError(
        'CLIENT_NOT_V1',
        `${what} needs the wsrelay.v1 subprotocol: connectRelay(url, { protocol: 'v1' }).`,
      )
    }
    if (!v1) throw notOpen(what)
    return v1
  }
  const notOpen = (what: string): ClientError =>
    new ClientError(
      'CLIENT_NOT_OPEN',
      `Cannot ${what}: the connection to ${url} is ${lifecycle.state}. Wait for the open event.`,
    )
  const requireOpen = (what: string): SessionSocket => {
    if (lifecycle.state !== 'open' || !socket) throw notOpen(what)
    return socket
  }

  const client: RelayClient = {
    url,
    get state() {
      return lifecycle.state
    },
    get targetState() {
      return v1?.targetState ?? 'none'
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
      requireOpen('drain')
      return drains?.wait(maxBufferedBytes) ?? Promise.resolve()
    },
    close(code = CloseCode.NORMAL_CLOSURE, reason = '') {
      checkCloseArguments(code, reason)
      switch (lifecycle.state) {
        case 'connecting':
        case 'open':
          lifecycle.moveTo('closing')
          socket?.close(code, reason)
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
      const session = requireV1('open()')
      if (lifecycle.state !== 'connecting' && lifecycle.state !== 'open')
        throw notOpen('open()')
      return session.open(target)
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
