import type {
  RelayClientState,
  RelayCloseEvent,
  RelayTargetChange,
  TargetState,
} from '@wsrelay/client'
import type { Transport } from '@wsrelay/protocol'

/**
 * The connection as the page last heard of it: the client's own state and
 * target state, and the latest of its events that the status needs. Nothing
 * here is decided by the page; it is read off the client.
 */
export interface RelayView {
  /** The relay URL of the current client; undefined before the first connect. */
  readonly url?: string
  readonly state: RelayClientState
  readonly targetState: TargetState
  /** What the current session reached, in words (from the client's `connected`). */
  readonly connectedTo?: string
  /** The current session's transport, once connected: `udp` shows each datagram as a line and counts drops. */
  readonly transport?: Transport
  /** The current session's latest target move (tells who ended first). */
  readonly lastTargetMove?: RelayTargetChange
  /** The latest close, of this session or the one before. */
  readonly lastClose?: RelayCloseEvent
  /** `waiting-to-reconnect`: when the next attempt starts (ms since the epoch). */
  readonly retryAt?: number
  readonly isOffline: boolean
  /** Why no session could start (a URL the browser refuses). */
  readonly error?: string
}

/** Before the first connect. */
export const NO_CONNECTION: RelayView = {
  state: 'idle',
  targetState: 'none',
  isOffline: false,
}

/** A close before any WebSocket opened with no close frame: no relay answered (or it refused the handshake). */
export function isNoRelay(close: RelayCloseEvent | undefined): boolean {
  return close !== undefined && !close.wasOpen && close.code === 1006
}

/** The session had reached its target before it closed (a drop, not a refusal). */
export function hadTarget(close: RelayCloseEvent): boolean {
  return close.targetState !== 'none' && close.targetState !== 'opening'
}

/** Whether the target took this side's end first (a requested end), as opposed to the target ending first. */
export function isEndRequested(view: RelayView): boolean {
  return (
    view.lastTargetMove?.from === 'input-ended' ||
    view.targetState === 'input-ended'
  )
}

/** The target is connected and takes bytes from this page. */
export function canSend(view: RelayView): boolean {
  return view.state === 'open' && view.targetState === 'connected'
}

/** A session is under way or being made: Connect waits, Disconnect works. */
export function isBusy(view: RelayView): boolean {
  return (
    view.state === 'connecting' ||
    view.state === 'open' ||
    view.state === 'closing' ||
    view.state === 'waiting-to-reconnect'
  )
}
