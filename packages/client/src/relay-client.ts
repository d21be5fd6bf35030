import {
  SUBPROTOCOL_BINARY,
  SUBPROTOCOL_V1,
  closeCodeInfo,
  describeClose,
  encodeControlMessage,
  parseRelayMessage,
  tokenSubprotocol,
  type ClientControlMessage,
  type CloseDescription,
  type ConnectedMessage,
} from '@wsrelay/protocol'
import {
  backoffDelay,
  reconnectPolicy,
  type ReconnectOptions,
  type ReconnectPolicy,
} from './backoff.js'
import { canTransition, type RelayClientState } from './connection-state.js'
import { Emitter } from './emitter.js'
import { ClientError } from './errors.js'
import { browserNetwork, type NetworkMonitor } from './network.js'

/** The part of the WHATWG WebSocket the client uses; `ws` and browsers both fit. */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  readonly protocol: string
  /** Bytes queued by `send` and not yet handed to the network. */
  readonly bufferedAmount: number
  send(data: string | ArrayBufferLike | ArrayBufferView): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'error', listener: () => void): void
  addEventListener(
    type: 'message',
    listener: (event: { data: unknown }) => void,
  ): void
  addEventListener(
    type: 'close',
    listener: (event: {
      code: number
      reason: string
      wasClean: boolean
    }) => void,
  ): void
}

/** A WebSocket constructor, e.g. `globalThis.WebSocket` or `ws`'s default export. */
export type WebSocketConstructorLike = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike

/** Options of {@link connectRelay}. */
export interface RelayClientOptions {
  /**
   * `'binary'` (default): the raw byte pipe, target chosen by the URL path.
   * `'v1'`: the wsrelay.v1 subprotocol: call `open()` after the `open` event,
   * then `ping()` and `end()` are available.
   */
  protocol?: 'binary' | 'v1'
  /** Token for a relay started with --token-file; offered as a subprotocol, never in the URL. */
  token?: string
  /** WebSocket implementation; default `globalThis.WebSocket` (pass `ws` in Node 20). */
  WebSocket?: WebSocketConstructorLike
  /**
   * Reconnect when a session drops for a reason worth retrying
   * (`closeCodeInfo(code).retry`). `true` for the defaults, or tune them.
   * Default off.
   */
  reconnect?: boolean | ReconnectOptions
  /** Online/offline news; default the browser's `navigator.onLine` and events. */
  network?: NetworkMonitor
  /** Default true. With false the client stays `idle` until `connect()`. */
  autoConnect?: boolean
}

/** Where `open()` connects: the URL path's target, a named route, or a host and port the relay allows. */
export type OpenTarget = { route: string } | { host: string; port: number }

/** Bytes from the target, and the text they decode to so far. */
export interface RelayMessageEvent {
  readonly bytes: Uint8Array
  /**
   * UTF-8 text of these bytes, decoded as a stream: a character split across
   * two messages appears whole in the second one's text.
   */
  readonly text: string
}

/** A session opened. Each one is a new TCP connection: nothing carries over. */
export interface RelayOpenEvent {
  readonly protocol: string
  /** 1 for the first session, 2 after the first reconnect, and so on. */
  readonly session: number
  /** True when this session replaces one that dropped. */
  readonly isReconnect: boolean
}

/** A session closed; `message` says why in words. */
export interface RelayCloseEvent extends CloseDescription {
  readonly wasClean: boolean
  readonly session: number
  /** True when the client will start a new session by itself. */
  readonly willReconnect: boolean
}

/** The client moved from one state to another. */
export interface RelayStateChange {
  readonly from: RelayClientState
  readonly to: RelayClientState
  /** Reconnect attempts in a row so far (0 once a session stayed up). */
  readonly attempt: number
  /** `waiting-to-reconnect`: ms until the next attempt; undefined while offline. */
  readonly retryInMs?: number
  /** `waiting-to-reconnect`: waiting for the network to come back. */
  readonly isOffline: boolean
}

/** Events of a {@link RelayClient}. */
export interface RelayClientEvents {
  /** A session's WebSocket is open (v1: call `open()` now, on every session). */
  open: RelayOpenEvent
  /** v1: the relay connected to the target. */
  connected: ConnectedMessage
  /** v1: the target sent FIN; you may keep sending until you call `end()`. */
  end: Record<string, never>
  message: RelayMessageEvent
  close: RelayCloseEvent
  state: RelayStateChange
  error: ClientError
}

/** A connection to a wsrelay; see {@link connectRelay}. */
export interface RelayClient {
  readonly url: string
  readonly state: RelayClientState
  /** The current (or last) session's number, from 1. */
  readonly session: number
  /** Whether a dropped session is followed by a new one; can be switched at any time. */
  autoReconnect: boolean
  on<K extends keyof RelayClientEvents>(
    type: K,
    listener: (event: RelayClientEvents[K]) => void,
  ): () => void
  /** Sends bytes, or a string as UTF-8. Throws CLIENT_NOT_OPEN unless open. */
  send(data: string | Uint8Array | ArrayBuffer): void
  /**
   * Resolves once at most `maxBufferedBytes` (default 1 MiB) wait in the
   * WebSocket's send buffer; rejects with CLIENT_NOT_OPEN if the session
   * closes first. Await it between chunks to stream a large file.
   */
  drain(maxBufferedBytes?: number): Promise<void>
  /** Closes with `code` (default 1000) and stops reconnecting. */
  close(code?: number, reason?: string): void
  /** From `idle` or `closed`: starts a new session. */
  connect(): void
  /** From `waiting-to-reconnect` or `closed`: a new session now, skipping the wait. */
  retryNow(): void
  /**
   * v1: asks the relay to connect; resolves with `connected`, rejects if the
   * session closes first (the close event says why). Without a target the
   * URL path's target is used. Once per session.
   */
  open(target?: OpenTarget): Promise<ConnectedMessage>
  /** v1: round trip to the relay and back, in ms. */
  ping(): Promise<number>
  /** v1: no more data from this side (the relay sends FIN to the target). */
  end(): void
}

/** Default of `drain()`: 1 MiB may wait in the send buffer. */
export const DEFAULT_DRAIN_BYTES = 1024 * 1024
/**
 * How often `drain()` looks at `bufferedAmount`, in ms: browsers fire no
 * event when it falls, so it is polled while someone waits.
 */
export const DRAIN_POLL_MS = 16
/** A session that stayed open this long (ms) resets the attempt count. */
export const STABLE_SESSION_MS = 5000

type Pending<T> = {
  resolve: (value: T) => void
  reject: (err: ClientError) => void
}

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
  const Ctor =
    options.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket
  if (!Ctor) {
    throw new ClientError(
      'CLIENT_NO_WEBSOCKET',
      'No WebSocket implementation: pass options.WebSocket (e.g. the "ws" package in Node 20).',
    )
  }
  const WebSocketCtor: WebSocketConstructorLike = Ctor
  if (!/^wss?:\/\//i.test(url)) {
    throw new ClientError(
      'CLIENT_INVALID_URL',
      `Invalid relay URL "${url}": expected ws://host:port/path or wss://...`,
    )
  }

  const isV1 = options.protocol === 'v1'
  const protocols = [isV1 ? SUBPROTOCOL_V1 : SUBPROTOCOL_BINARY]
  if (options.token !== undefined)
    protocols.push(tokenSubprotocol(options.token))
  const policy: ReconnectPolicy = reconnectPolicy(
    typeof options.reconnect === 'object' ? options.reconnect : {},
  )
  const network = options.network ?? browserNetwork()

  const emitter = new Emitter<RelayClientEvents>()
  const encoder = new TextEncoder()
  let decoder = new TextDecoder('utf-8')
  let isReconnectOn =
    options.reconnect !== undefined && options.reconnect !== false
  let state: RelayClientState = 'idle'
  let socket: WebSocketLike | undefined
  let session = 0
  let attempt = 0
  let openedAt: number | undefined
  let isOpenSent = false
  let nextPingId = 1
  const pings = new Map<number, Pending<number>>()
  const drains = new Set<Pending<void> & { maxBufferedBytes: number }>()
  // Owned by the current state: cleared on every move (see moveTo).
  let stateTimer: ReturnType<typeof setTimeout> | undefined
  let stopWatchingNetwork: (() => void) | undefined
  let drainTimer: ReturnType<typeof setTimeout> | undefined

  /** The one place the state changes: checks the move, clears the old state's timers, starts the new one's. */
  function moveTo(next: RelayClientState): void {
    if (!canTransition(state, next)) {
      throw new ClientError(
        'CLIENT_PROTOCOL_ERROR',
        `Internal: the client cannot go from ${state} to ${next}.`,
      )
    }
    clearTimeout(stateTimer)
    stateTimer = undefined
    stopWatchingNetwork?.()
    stopWatchingNetwork = undefined
    const from = state
    state = next
    let retryInMs: number | undefined
    let isOffline = false
    switch (next) {
      case 'connecting':
        openSocket()
        break
      case 'waiting-to-reconnect':
        if (network.isOnline) {
          retryInMs = backoffDelay(attempt, policy)
          stateTimer = setTimeout(() => moveTo('connecting'), retryInMs)
          stopWatchingNetwork = network.subscribe((isOnline) => {
            if (!isOnline) moveTo('waiting-to-reconnect')
          })
        } else {
          isOffline = true
          stopWatchingNetwork = network.subscribe((isOnline) => {
            if (isOnline) moveTo('connecting')
          })
        }
        break
      case 'idle':
      case 'open':
      case 'closing':
      case 'closed':
        break
    }
    emitter.emit('state', { from, to: next, attempt, retryInMs, isOffline })
  }

  function openSocket(): void {
    session++
    decoder = new TextDecoder('utf-8')
    isOpenSent = false
    openedAt = undefined
    let ws: WebSocketLike
    try {
      ws = new WebSocketCtor(url, protocols)
    } catch (err) {
      throw new ClientError(
        'CLIENT_INVALID_URL',
        `Cannot open a WebSocket to "${url}": ${(err as Error).message}`,
        { cause: err },
      )
    }
    ws.binaryType = 'arraybuffer'
    socket = ws
    // Events of a socket that is no longer current (closed by close() while a
    // new one opened) are ignored: each session owns exactly one socket.
    ws.addEventListener('open', () => {
      if (socket !== ws || state !== 'connecting') return
      openedAt = Date.now()
      moveTo('open')
      emitter.emit('open', {
        protocol: ws.protocol,
        session,
        isReconnect: session > 1,
      })
    })
    ws.addEventListener('message', (event: { data: unknown }) => {
      if (socket !== ws) return
      if (isV1 && typeof event.data === 'string') {
        onControl(event.data)
        return
      }
      const bytes =
        typeof event.data === 'string'
          ? encoder.encode(event.data)
          : new Uint8Array(event.data as ArrayBuffer)
      emitter.emit('message', {
        bytes,
        text: decoder.decode(bytes, { stream: true }),
      })
    })
    ws.addEventListener('error', () => {
      if (socket !== ws) return
      emitter.emit(
        'error',
        new ClientError(
          'CLIENT_CONNECTION_ERROR',
          `WebSocket error on ${url}; the close event that follows says why.`,
        ),
      )
    })
    ws.addEventListener('close', (event) => {
      if (socket !== ws) return
      onSocketClosed(event)
    })
  }

  function onSocketClosed(event: {
    code: number
    reason: string
    wasClean: boolean
  }): void {
    socket = undefined
    failPending('The session closed before the answer arrived.')
    if (openedAt !== undefined && Date.now() - openedAt >= STABLE_SESSION_MS)
      attempt = 0
    const willReconnect =
      state !== 'closing' &&
      isReconnectOn &&
      closeCodeInfo(event.code).retry &&
      attempt < policy.maxAttempts
    if (willReconnect) {
      attempt++
      moveTo('waiting-to-reconnect')
    } else {
      moveTo('closed')
    }
    emitter.emit('close', {
      ...describeClose(event.code, event.reason),
      wasClean: event.wasClean,
      session,
      willReconnect,
    })
  }

  function failPending(message: string): void {
    for (const { reject } of [...pings.values(), ...drains])
      reject(new ClientError('CLIENT_NOT_OPEN', message))
    pings.clear()
    drains.clear()
    clearTimeout(drainTimer)
    drainTimer = undefined
  }

  function pollDrains(): void {
    drainTimer = undefined
    const buffered = socket?.bufferedAmount ?? 0
    for (const waiter of drains) {
      if (buffered <= waiter.maxBufferedBytes) {
        drains.delete(waiter)
        waiter.resolve()
      }
    }
    if (drains.size > 0) drainTimer = setTimeout(pollDrains, DRAIN_POLL_MS)
  }

  function onControl(text: string): void {
    const parsed = parseRelayMessage(text)
    if (!parsed.ok) {
      emitter.emit(
        'error',
        new ClientError(
          'CLIENT_PROTOCOL_ERROR',
          `The relay sent an invalid control message: ${parsed.error}`,
        ),
      )
      return
    }
    const message = parsed.message
    switch (message.type) {
      case 'connected':
        emitter.emit('connected', message)
        return
      case 'pong':
        pings.get(message.id)?.resolve(Date.now() - message.ts)
        pings.delete(message.id)
        return
      case 'end':
        emitter.emit('end', {})
        return
    }
  }

  const requireV1 = (what: string): void => {
    if (!isV1) {
      throw new ClientError(
        'CLIENT_NOT_V1',
        `${what} needs the wsrelay.v1 subprotocol: connectRelay(url, { protocol: 'v1' }).`,
      )
    }
  }
  const requireOpen = (what: string): WebSocketLike => {
    if (state !== 'open' || !socket) {
      throw new ClientError(
        'CLIENT_NOT_OPEN',
        `Cannot ${what}: the connection to ${url} is ${state}. Wait for the open event.`,
      )
    }
    return socket
  }
  const sendControl = (message: ClientControlMessage): void =>
    requireOpen('send').send(encodeControlMessage(message))

  const client: RelayClient = {
    url,
    get state() {
      return state
    },
    get session() {
      return session
    },
    get autoReconnect() {
      return isReconnectOn
    },
    set autoReconnect(value: boolean) {
      isReconnectOn = value
      if (!value && state === 'waiting-to-reconnect') moveTo('closed')
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
      const ws = requireOpen('drain')
      if (ws.bufferedAmount <= maxBufferedBytes) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        drains.add({ resolve, reject, maxBufferedBytes })
        drainTimer ??= setTimeout(pollDrains, DRAIN_POLL_MS)
      })
    },
    close(code = 1000, reason = '') {
      switch (state) {
        case 'connecting':
        case 'open':
          moveTo('closing')
          socket?.close(code, reason)
          return
        case 'idle':
        case 'waiting-to-reconnect':
          moveTo('closed')
          return
        case 'closing':
        case 'closed':
          return
      }
    },
    connect() {
      if (state !== 'idle' && state !== 'closed') {
        throw new ClientError(
          'CLIENT_ALREADY_OPENED',
          `connect() needs an idle or closed client; this one is ${state}.`,
        )
      }
      attempt = 0
      moveTo('connecting')
    },
    retryNow() {
      if (state === 'waiting-to-reconnect') moveTo('connecting')
      else if (state === 'closed') client.connect()
    },
    open(target) {
      requireV1('open()')
      requireOpen('open')
      if (isOpenSent)
        throw new ClientError(
          'CLIENT_ALREADY_OPENED',
          'open() was already called in this session.',
        )
      isOpenSent = true
      sendControl({ type: 'open', ...target })
      return new Promise<ConnectedMessage>((resolve, reject) => {
        const offs = [
          emitter.on('connected', (message) => {
            offs.forEach((off) => off())
            resolve(message)
          }),
          emitter.on('close', (close) => {
            offs.forEach((off) => off())
            reject(new ClientError('CLIENT_OPEN_FAILED', close.message))
          }),
        ]
      })
    },
    ping() {
      requireV1('ping()')
      requireOpen('ping')
      const id = nextPingId++
      const rtt = new Promise<number>((resolve, reject) =>
        pings.set(id, { resolve, reject }),
      )
      sendControl({ type: 'ping', id, ts: Date.now() })
      return rtt
    },
    end() {
      requireV1('end()')
      sendControl({ type: 'end' })
    },
  }

  if (options.autoConnect !== false) moveTo('connecting')
  return client
}
