import { ClientError } from '../errors.js'
import { createDrainWaiters } from './drain-waiters.js'
import type { Emitter } from './emitter.js'
import { openSessionSocket, type SessionSocket } from './session-socket.js'
import type { TargetState } from './target-state.js'
import type { RelayClientEvents, WebSocketConstructorLike } from './types.js'
import { createV1Session, type V1Session } from './v1-session.js'

/** How a session's socket closed, with what the session knows of itself. */
export interface SessionEnd {
  readonly code: number
  readonly reason: string
  readonly wasClean: boolean
  readonly wasOpen: boolean
  readonly targetState: TargetState
}

/** What a session needs from the client that starts it. */
export interface SessionHooks {
  readonly url: string
  readonly protocols: string[]
  readonly isV1: boolean
  readonly WebSocket: WebSocketConstructorLike
  /** This session's number, from 1. */
  readonly number: number
  readonly emitter: Emitter<RelayClientEvents>
  /** Whether this is still the client's current session. */
  isCurrent(): boolean
  /** Whether the client is `open` (control messages may go out). */
  isOpen(): boolean
  /** The socket opened: true when the client took it (it was still connecting). */
  accept(): boolean
  /** The socket closed; everything that waited on it is settled already. */
  onEnd(end: SessionEnd): void
}

/** One session: its WebSocket, its wsrelay.v1 conversation and its drain waiters, from start to close. */
export interface Session {
  readonly v1: V1Session | undefined
  readonly targetState: TargetState
  send(data: string | ArrayBufferLike | ArrayBufferView): void
  drain(maxBufferedBytes: number): Promise<void>
  close(code: number, reason: string): void
}

/** What waits on a session is told this when it closes. */
const CLOSED_BEFORE_ANSWER = 'The session closed before the answer arrived.'

/**
 * Starts a session: creates its socket (throws CLIENT_INVALID_URL when the
 * WebSocket cannot be created) and wires every event of it to the client's.
 */
export function startSession(hooks: SessionHooks): Session {
  const { url, number, emitter } = hooks
  // The v1 conversation and the socket's handlers refer to each other; neither
  // is called before both exist (a socket fires nothing during its creation).
  const v1 = hooks.isV1
    ? createV1Session({
        url,
        session: number,
        isSocketOpen: () => hooks.isCurrent() && hooks.isOpen(),
        sendText: (text) => socket.send(text),
        emit: (type, event) => emitter.emit(type, event),
        onceClosed: (listener) =>
          emitter.on('close', (close) => {
            if (close.session === number) listener(close)
          }),
      })
    : undefined
  const socket: SessionSocket = openSessionSocket(
    hooks.WebSocket,
    url,
    hooks.protocols,
    hooks.isV1,
    {
      onOpen(protocol) {
        if (!hooks.isCurrent() || !hooks.accept()) return
        v1?.onSocketOpen()
        emitter.emit('open', {
          protocol,
          session: number,
          isReconnect: number > 1,
        })
      },
      onData: (bytes, text) => {
        if (hooks.isCurrent()) emitter.emit('message', { bytes, text })
      },
      onControl: (text) => {
        if (hooks.isCurrent()) v1?.onControl(text)
      },
      onError() {
        if (!hooks.isCurrent()) return
        emitter.emit(
          'error',
          new ClientError(
            'CLIENT_CONNECTION_ERROR',
            `WebSocket error on ${url}; the close event that follows says why.`,
          ),
        )
      },
      onClose: (event) => {
        if (!hooks.isCurrent()) return
        drains.fail(CLOSED_BEFORE_ANSWER)
        v1?.onClosed(CLOSED_BEFORE_ANSWER)
        // A CloseEvent's fields are getters on its prototype: copied one by one.
        hooks.onEnd({
          code: event.code,
          reason: event.reason,
          wasClean: event.wasClean,
          wasOpen: socket.wasOpen,
          targetState: v1?.targetState ?? 'none',
        })
      },
    },
  )
  const drains = createDrainWaiters(() => socket.bufferedAmount)

  return {
    v1,
    get targetState() {
      return v1?.targetState ?? 'none'
    },
    send: (data) => socket.send(data),
    drain: (maxBufferedBytes) => drains.wait(maxBufferedBytes),
    close: (code, reason) => socket.close(code, reason),
  }
}
