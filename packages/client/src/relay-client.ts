import {
  SUBPROTOCOL_BINARY,
  describeClose,
  type CloseDescription,
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
  /** Subprotocols to offer; default `['binary']`. */
  protocols?: string[]
  /** WebSocket implementation; default `globalThis.WebSocket` (pass `ws` in Node 20). */
  WebSocket?: WebSocketConstructorLike
}

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
  open: { readonly protocol: string }
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

  const emitter = new Emitter<RelayClientEvents>()
  const decoder = new TextDecoder('utf-8')
  const encoder = new TextEncoder()
  const socket = new Ctor(url, options.protocols ?? [SUBPROTOCOL_BINARY])
  socket.binaryType = 'arraybuffer'

  socket.addEventListener('open', () =>
    emitter.emit('open', { protocol: socket.protocol }),
  )
  socket.addEventListener('message', (event: { data: unknown }) => {
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
      if (socket.readyState !== 1) {
        throw new ClientError(
          'CLIENT_NOT_OPEN',
          `Cannot send: the connection to ${url} is ${STATES[socket.readyState] ?? 'closed'}. Wait for the open event.`,
        )
      }
      socket.send(typeof data === 'string' ? encoder.encode(data) : data)
    },
    close(code = 1000, reason = '') {
      socket.close(code, reason)
    },
  }
}
