import {
  SUBPROTOCOL_BINARY,
  SUBPROTOCOL_V1,
  describeClose,
  encodeControlMessage,
  parseRelayMessage,
  tokenSubprotocol,
  type ClientControlMessage,
  type CloseDescription,
  type ConnectedMessage,
} from '@wsrelay/protocol'
import { Emitter } from './emitter.js'
import { ClientError } from './errors.js'

/** The part of the WHATWG WebSocket the client uses; `ws` and browsers both fit. */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  readonly protocol: string
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

/** The connection closed; `message` says why in words. */
export interface RelayCloseEvent extends CloseDescription {
  readonly wasClean: boolean
}

/** Events of a {@link RelayClient}. */
export interface RelayClientEvents {
  /** The WebSocket is open (v1: call `open()` now). */
  open: { readonly protocol: string }
  /** v1: the relay connected to the target. */
  connected: ConnectedMessage
  /** v1: the target sent FIN; you may keep sending until you call `end()`. */
  end: Record<string, never>
  message: RelayMessageEvent
  close: RelayCloseEvent
  error: ClientError
}

/** Connection state, as the console shows it. */
export type RelayClientState = 'connecting' | 'open' | 'closing' | 'closed'

/** A connection to a wsrelay; see {@link connectRelay}. */
export interface RelayClient {
  readonly url: string
  readonly state: RelayClientState
  on<K extends keyof RelayClientEvents>(
    type: K,
    listener: (event: RelayClientEvents[K]) => void,
  ): () => void
  /** Sends bytes, or a string as UTF-8. Throws CLIENT_NOT_OPEN unless open. */
  send(data: string | Uint8Array | ArrayBuffer): void
  /** Closes with `code` (default 1000). */
  close(code?: number, reason?: string): void
  /**
   * v1: asks the relay to connect; resolves with `connected`, rejects if the
   * connection closes first (the close event says why). Without a target the
   * URL path's target is used.
   */
  open(target?: OpenTarget): Promise<ConnectedMessage>
  /** v1: round trip to the relay and back, in ms. */
  ping(): Promise<number>
  /** v1: no more data from this side (the relay sends FIN to the target). */
  end(): void
}

const STATES: readonly RelayClientState[] = [
  'connecting',
  'open',
  'closing',
  'closed',
]

/**
 * Opens a WebSocket to a wsrelay and reports what happens as typed events.
 *
 * @example
 * const client = connectRelay('ws://127.0.0.1:8080/')
 * client.on('open', () => client.send('hello\n'))
 * client.on('message', ({ text }) => console.log(text))
 * client.on('close', ({ message }) => console.log(message))
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

  const emitter = new Emitter<RelayClientEvents>()
  const decoder = new TextDecoder('utf-8')
  const encoder = new TextEncoder()
  const socket = new Ctor(url, protocols)
  socket.binaryType = 'arraybuffer'
  const pings = new Map<
    number,
    { resolve: (rttMs: number) => void; reject: (err: ClientError) => void }
  >()
  let nextPingId = 1
  let isOpenSent = false

  const requireV1 = (what: string): void => {
    if (!isV1) {
      throw new ClientError(
        'CLIENT_NOT_V1',
        `${what} needs the wsrelay.v1 subprotocol: connectRelay(url, { protocol: 'v1' }).`,
      )
    }
  }
  const requireOpen = (what: string): void => {
    if (socket.readyState !== 1) {
      throw new ClientError(
        'CLIENT_NOT_OPEN',
        `Cannot ${what}: the connection to ${url} is ${STATES[socket.readyState] ?? 'closed'}. Wait for the open event.`,
      )
    }
  }
  const sendControl = (message: ClientControlMessage): void =>
    socket.send(encodeControlMessage(message))

  const onControl = (text: string): void => {
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

  socket.addEventListener('open', () =>
    emitter.emit('open', { protocol: socket.protocol }),
  )
  socket.addEventListener('message', (event: { data: unknown }) => {
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
  socket.addEventListener('error', () =>
    emitter.emit(
      'error',
      new ClientError(
        'CLIENT_CONNECTION_ERROR',
        `WebSocket error on ${url}; the close event that follows says why.`,
      ),
    ),
  )
  socket.addEventListener(
    'close',
    (event: { code: number; reason: string; wasClean: boolean }) => {
      for (const { reject } of pings.values()) {
        reject(
          new ClientError(
            'CLIENT_NOT_OPEN',
            'The connection closed before the pong arrived.',
          ),
        )
      }
      pings.clear()
      emitter.emit('close', {
        ...describeClose(event.code, event.reason),
        wasClean: event.wasClean,
      })
    },
  )

  return {
    url,
    get state() {
      return STATES[socket.readyState] ?? 'closed'
    },
    on: (type, listener) => emitter.on(type, listener),
    send(data) {
      requireOpen('send')
      socket.send(typeof data === 'string' ? encoder.encode(data) : data)
    },
    close(code = 1000, reason = '') {
      socket.close(code, reason)
    },
    open(target) {
      requireV1('open()')
      requireOpen('open')
      if (isOpenSent)
        throw new ClientError(
          'CLIENT_ALREADY_OPENED',
          'open() was already called on this connection.',
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
      requireOpen('end')
      sendControl({ type: 'end' })
    },
  }
}
