import {
  encodeControlMessage,
  parseRelayMessage,
  type ClientControlMessage,
  type ConnectedMessage,
} from '@wsrelay/protocol'
import { ClientError } from '../errors.js'
import {
  TARGET_TRANSITIONS,
  canEndInput,
  hasInputEnded,
  type TargetState,
} from './target-state.js'
import type {
  OpenTarget,
  RelayClientEvents,
  RelayCloseEvent,
  RelayConnectedEvent,
} from './types.js'

/** What a v1 session needs from the client that owns it. */
export interface V1SessionHooks {
  readonly url: string
  readonly session: number
  /** Whether the session's WebSocket is open (control messages can go out). */
  isSocketOpen(): boolean
  sendText(text: string): void
  emit<K extends 'connected' | 'end' | 'target' | 'dropped' | 'error'>(
    type: K,
    event: RelayClientEvents[K],
  ): void
  /** Runs `listener` once when this session closes; returns an unsubscribe. */
  onceClosed(listener: (close: RelayCloseEvent) => void): () => void
}

/** One session's wsrelay.v1 conversation: its target state, `open`, `ping` and `end`. */
export interface V1Session {
  readonly targetState: TargetState
  open(target?: OpenTarget): Promise<RelayConnectedEvent>
  ping(): Promise<number>
  end(): void
  /** The WebSocket opened: send the `open` that was asked for while it connected. */
  onSocketOpen(): void
  /** A text frame from the relay. */
  onControl(text: string): void
  /** The session closed: reject what still waits. */
  onClosed(message: string): void
}

type Pending<T> = {
  resolve: (value: T) => void
  reject: (err: ClientError) => void
}

/** Words for what a session reached; the relay shows addresses only of targets the page chose. */
export function describeConnected(
  message: ConnectedMessage,
  url: string,
): string {
  const over = message.transport === 'udp' ? ' over UDP' : ''
  if (message.host !== undefined) {
    const where = `${message.host}:${message.port}`
    return message.address !== undefined && message.address !== message.host
      ? `${where} at ${message.address}${over}`
      : `${where}${over}`
  }
  if (message.route !== undefined) return `route ${message.route}${over}`
  return `the default target of ${url}${over}`
}

/** Starts a session's v1 conversation at target state `none`. */
export function createV1Session(hooks: V1SessionHooks): V1Session {
  let targetState: TargetState = 'none'
  let pendingOpen: ClientControlMessage | undefined
  /** Resolves this session's `open()` promise. */
  let pendingConnected: ((connected: RelayConnectedEvent) => void) | undefined
  let nextPingId = 1
  const pings = new Map<number, Pending<number>>()

  /** The one place the target state changes. */
  const moveTo = (next: TargetState): void => {
    if (!TARGET_TRANSITIONS[targetState].includes(next)) {
      throw new ClientError(
        'CLIENT_PROTOCOL_ERROR',
        `Internal: the target cannot go from ${targetState} to ${next}.`,
      )
    }
    const from = targetState
    targetState = next
    hooks.emit('target', { from, to: next, session: hooks.session })
  }

  const send = (message: ClientControlMessage): void =>
    hooks.sendText(encodeControlMessage(message))

  /** The relay takes `ping` and `end` only after `open` (else it closes 1008). */
  const requireOpenSent = (what: string): void => {
    if (!hooks.isSocketOpen() || targetState === 'none') {
      throw new ClientError(
        'CLIENT_NOT_OPEN',
        `Cannot ${what}: ${hooks.isSocketOpen() ? 'call open() first' : `the session with ${hooks.url} is not open`}; the relay takes ${what} only after open.`,
      )
    }
  }

  const protocolError = (detail: string): void =>
    hooks.emit(
      'error',
      new ClientError(
        'CLIENT_PROTOCOL_ERROR',
        `The relay sent an invalid control message: ${detail}`,
      ),
    )

  return {
    get targetState() {
      return targetState
    },
    open(target) {
      if (targetState !== 'none') {
        throw new ClientError(
          'CLIENT_ALREADY_OPENED',
          'open() was already called in this session.',
        )
      }
      const message: ClientControlMessage = { type: 'open', ...target }
      moveTo('opening')
      if (hooks.isSocketOpen()) send(message)
      else pendingOpen = message
      return new Promise<RelayConnectedEvent>((resolve, reject) => {
        const offs = [
          hooks.onceClosed((close) => {
            offs.forEach((off) => off())
            reject(new ClientError('CLIENT_OPEN_FAILED', close.message))
          }),
        ]
        pendingConnected = (connected) => {
          offs.forEach((off) => off())
          resolve(connected)
        }
      })
    },
    ping() {
      requireOpenSent('ping')
      const id = nextPingId++
      const rtt = new Promise<number>((resolve, reject) =>
        pings.set(id, { resolve, reject }),
      )
      send({ type: 'ping', id, ts: Date.now() })
      return rtt
    },
    end() {
      if (hasInputEnded(targetState)) return
      requireOpenSent('end')
      if (!canEndInput(targetState)) {
        throw new ClientError(
          'CLIENT_NOT_OPEN',
          `Cannot end: the target is not connected yet (${targetState}). Await open() first.`,
        )
      }
      send({ type: 'end' })
      moveTo(targetState === 'target-ended' ? 'ended' : 'input-ended')
    },
    onSocketOpen() {
      if (pendingOpen) send(pendingOpen)
      pendingOpen = undefined
    },
    onControl(text) {
      const parsed = parseRelayMessage(text)
      if (!parsed.ok) {
        protocolError(parsed.error)
        return
      }
      const message = parsed.message
      switch (message.type) {
        case 'connected': {
          if (targetState !== 'opening') {
            protocolError(`connected while the target is ${targetState}.`)
            return
          }
          moveTo('connected')
          const connected: RelayConnectedEvent = {
            ...message,
            url: hooks.url,
            description: describeConnected(message, hooks.url),
          }
          hooks.emit('connected', connected)
          pendingConnected?.(connected)
          pendingConnected = undefined
          return
        }
        case 'pong':
          pings.get(message.id)?.resolve(Date.now() - message.ts)
          pings.delete(message.id)
          return
        case 'end':
          if (targetState !== 'connected' && targetState !== 'input-ended') {
            protocolError(`end while the target is ${targetState}.`)
            return
          }
          moveTo(targetState === 'input-ended' ? 'ended' : 'target-ended')
          hooks.emit('end', {})
          return
        case 'notice':
          hooks.emit('dropped', {
            datagrams: message.datagrams,
            bytes: message.bytes,
            session: hooks.session,
          })
          return
      }
    },
    onClosed(message) {
      pendingOpen = undefined
      for (const { reject } of pings.values())
        reject(new ClientError('CLIENT_NOT_OPEN', message))
      pings.clear()
    },
  }
}
