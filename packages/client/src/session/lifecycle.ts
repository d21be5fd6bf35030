import { ClientError } from '../errors.js'
import { backoffDelay, type ReconnectPolicy } from '../reconnect/backoff.js'
import type { NetworkMonitor } from '../reconnect/network.js'

/**
 * Where a {@link RelayClient} is in its life. `waiting-to-reconnect`: the last
 * session dropped and a new one starts when the backoff timer fires or the
 * network comes back.
 */
export type RelayClientState =
  'idle' | 'connecting' | 'open' | 'closing' | 'closed' | 'waiting-to-reconnect'

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
  /** `closed` because no WebSocket could be created (e.g. a URL the browser rejects). */
  readonly error?: ClientError
}

/**
 * Every move the client may make. `waiting-to-reconnect` may re-enter itself
 * (the network went offline while the timer ran); nothing else may.
 */
export const STATE_TRANSITIONS: Readonly<
  Record<RelayClientState, readonly RelayClientState[]>
> = {
  idle: ['connecting', 'closed'],
  connecting: ['open', 'closing', 'closed', 'waiting-to-reconnect'],
  open: ['closing', 'closed', 'waiting-to-reconnect'],
  closing: ['closed'],
  closed: ['connecting'],
  'waiting-to-reconnect': ['connecting', 'closed', 'waiting-to-reconnect'],
}

/** Whether the client may move from `from` to `to`. */
export function canTransition(
  from: RelayClientState,
  to: RelayClientState,
): boolean {
  return STATE_TRANSITIONS[from].includes(to)
}

/** The client's state, session count and reconnect timers; see {@link createLifecycle}. */
export interface Lifecycle {
  readonly state: RelayClientState
  /** The current (or last) session's number; entering `connecting` starts the next. */
  readonly session: number
  /** Failed attempts in a row. */
  readonly attempt: number
  /** The one place the state changes: checks the move, clears the old state's timers, starts the new one's. */
  moveTo(next: RelayClientState, error?: ClientError): void
  /** A session failed in a way worth retrying: one more attempt counted. */
  countAttempt(): void
  /** A session stayed up long enough: start counting attempts from zero. */
  resetAttempts(): void
}

/** What the lifecycle needs from its owner. */
export interface LifecycleHooks {
  readonly policy: ReconnectPolicy
  readonly network: NetworkMonitor
  /** Announces a move (after the state changed, before the new state's work starts). */
  onMove(change: RelayStateChange): void
  /** Entering `connecting`: open the session's socket. */
  onConnecting(): void
}

/**
 * The client's state machine in the manner of noVNC's
 * `_updateConnectionState`: one table of legal moves (`STATE_TRANSITIONS`),
 * one function that makes them and owns every timer they start.
 */
export function createLifecycle(hooks: LifecycleHooks): Lifecycle {
  let state: RelayClientState = 'idle'
  let session = 0
  let attempt = 0
  // Owned by the current state: cleared on every move.
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let stopWatchingNetwork: (() => void) | undefined

  const lifecycle: Lifecycle = {
    get state() {
      return state
    },
    get session() {
      return session
    },
    get attempt() {
      return attempt
    },
    countAttempt: () => void attempt++,
    resetAttempts: () => void (attempt = 0),
    moveTo(next, error) {
      if (!canTransition(state, next)) {
        throw new ClientError(
          'CLIENT_PROTOCOL_ERROR',
          `Internal: the client cannot go from ${state} to ${next}.`,
        )
      }
      clearTimeout(retryTimer)
      retryTimer = undefined
      stopWatchingNetwork?.()
      stopWatchingNetwork = undefined
      const from = state
      state = next
      if (next === 'connecting') session++
      const isOffline =
        next === 'waiting-to-reconnect' && !hooks.network.isOnline
      const retryInMs =
        next === 'waiting-to-reconnect' && !isOffline
          ? backoffDelay(attempt, hooks.policy)
          : undefined
      hooks.onMove({ from, to: next, attempt, retryInMs, isOffline, error })
      // The new state's work starts after it was announced, so a move it
      // causes at once (a socket that cannot be created) is announced after it.
      if (state !== next) return
      switch (next) {
        case 'connecting':
          hooks.onConnecting()
          return
        case 'waiting-to-reconnect':
          if (retryInMs !== undefined) {
            retryTimer = setTimeout(
              () => lifecycle.moveTo('connecting'),
              retryInMs,
            )
          }
          stopWatchingNetwork = hooks.network.subscribe((isOnline) => {
            if (isOnline && isOffline) lifecycle.moveTo('connecting')
            if (!isOnline && !isOffline)
              lifecycle.moveTo('waiting-to-reconnect')
          })
          return
        case 'idle':
        case 'open':
        case 'closing':
        case 'closed':
          return
      }
    },
  }
  return lifecycle
}
