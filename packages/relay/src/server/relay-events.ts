import type {
  ConnectionCloseEvent,
  ConnectionOpenEvent,
} from '../connection/close-record.js'
import type { Logger } from '../observability/logger.js'

/** Events a relay emits, for apps that embed it. */
export interface RelayEvents {
  /** A connection reached its target (the TCP connection is starting). */
  'connection-open': ConnectionOpenEvent
  /** A connection that had a target has ended, with its stats. */
  'connection-close': ConnectionCloseEvent
}

/** Subscribes to a relay event; returns the function that unsubscribes. */
export type RelayOn = <E extends keyof RelayEvents>(
  event: E,
  listener: (payload: RelayEvents[E]) => void,
) => () => void

/** The relay's typed events: `on` for the app, `emit` for the relay. */
export function createRelayEvents(log: Logger) {
  const listeners: {
    [E in keyof RelayEvents]: Set<(payload: RelayEvents[E]) => void>
  } = { 'connection-open': new Set(), 'connection-close': new Set() }
  const emit = <E extends keyof RelayEvents>(
    event: E,
    payload: RelayEvents[E],
  ): void => {
    for (const listener of listeners[event]) {
      try {
        listener(payload)
      } catch (err) {
        // An app's listener must not break the connection that called it.
        log.error({ err, event }, 'relay event listener threw')
      }
    }
  }
  const on: RelayOn = (event, listener) => {
    listeners[event].add(listener)
    return () => listeners[event].delete(listener)
  }
  return { on, emit }
}
