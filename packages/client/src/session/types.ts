import type {
  CloseDescription,
  ConnectedMessage,
  Transport,
} from '@wsrelay/protocol'
import type { ClientError } from '../errors.js'
import type { NetworkMonitor } from '../reconnect/network.js'
import type { ReconnectOptions } from '../reconnect/backoff.js'
import type { RelayClientState, RelayStateChange } from './lifecycle.js'
import type { TargetState } from './target-state.js'

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
   * `'v1'`: the wsrelay.v1 subprotocol: `await client.open()`, then `ping()`
   * and `end()` are available.
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

/**
 * Where `open()` connects: the URL path's target, a named route, or a host
 * and port the relay allows. `transport: 'udp'` asks for datagrams: to a
 * host and port it picks UDP (TCP when absent); with a route or the path's
 * target the relay checks the target is UDP (close 4102 if not).
 */
export type OpenTarget =
  | (({ route: string } | { host: string; port: number }) & {
      transport?: Transport
    })
  | { transport: Transport }

/**
 * What a v1 session reached: the relay's `connected` answer, plus the relay
 * URL and one line for people. The relay names the address only of a target
 * the page chose; a route or the relay's own target stays the operator's.
 */
export interface RelayConnectedEvent extends ConnectedMessage {
  /** The relay URL the session went through. */
  readonly url: string
  /**
   * What was reached, in words: `game.example:7000 at 203.0.113.9`,
   * `route echo`, or `the default target of ws://127.0.0.1:8080/`; a UDP
   * target ends with `over UDP`.
   */
  readonly description: string
}

/**
 * v1, UDP targets: the relay dropped datagrams from the target because this
 * page did not read them fast enough (UDP has no backpressure). The counts
 * are the session's totals so far; the relay says so at most once a second.
 */
export interface RelayDroppedEvent {
  readonly datagrams: number
  readonly bytes: number
  readonly session: number
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
  /** Whether this session's WebSocket opened (false: no relay answered, or it refused the handshake). */
  readonly wasOpen: boolean
  /** v1: how far the session's target had come when it closed (`none` on binary). */
  readonly targetState: TargetState
}

export type { RelayStateChange } from './lifecycle.js'

/** v1: the session's target moved (see {@link TargetState}). */
export interface RelayTargetChange {
  readonly from: TargetState
  readonly to: TargetState
  readonly session: number
}

/** Events of a {@link RelayClient}. */
export interface RelayClientEvents {
  /** A session's WebSocket is open (v1: call `open()` now, on every session). */
  open: RelayOpenEvent
  /** v1: the relay connected to the target. */
  connected: RelayConnectedEvent
  /** v1: the target sent FIN; you may keep sending until you call `end()`. */
  end: Record<string, never>
  /** v1: the session's target moved; `client.targetState` says where it is. */
  target: RelayTargetChange
  /** v1, UDP targets: datagrams the relay dropped because the page was not reading (running totals). */
  dropped: RelayDroppedEvent
  message: RelayMessageEvent
  close: RelayCloseEvent
  state: RelayStateChange
  error: ClientError
}

/** A connection to a wsrelay; see {@link connectRelay}. */
export interface RelayClient {
  readonly url: string
  readonly state: RelayClientState
  /** v1: how far the current session's target has come; `none` on binary. */
  readonly targetState: TargetState
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
  /** Closes with `code` (default 1000, a normal closure) and stops reconnecting. */
  close(code?: number, reason?: string): void
  /** From `idle` or `closed`: starts a new session. */
  connect(): void
  /** From `waiting-to-reconnect` or `closed`: a new session now, skipping the wait. */
  retryNow(): void
  /**
   * v1: asks the relay to connect; resolves with what was reached, rejects
   * if the session closes first (the close event says why). Without a
   * target the URL path's target is used. Once per session; callable while
   * the WebSocket is still connecting (it is sent on open).
   */
  open(target?: OpenTarget): Promise<RelayConnectedEvent>
  /** v1: round trip to the relay and back, in ms. */
  ping(): Promise<number>
  /**
   * v1: no more data from this side (the relay sends FIN to the target).
   * Calling it again does nothing.
   */
  end(): void
}
