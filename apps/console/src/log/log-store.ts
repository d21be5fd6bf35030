import {
  emptyLog,
  logReducer,
  type LogAction,
  type LogState,
} from './log-model.js'

/**
 * Past this many queued actions the queue is applied at once: requestAnimationFrame
 * does not run in a background tab, and the queue must not grow while nobody looks.
 */
export const MAX_QUEUED_ACTIONS = 10_000

/** What the log panel and the traffic counters read. */
export interface LogSnapshot {
  readonly log: LogState
  /** Bytes sent and received since the last clear. */
  readonly sentBytes: number
  readonly receivedBytes: number
  /** UDP: datagrams the relay dropped for this page since the last clear. */
  readonly droppedDatagrams: number
}

/** The log outside React: written by the connection at any rate, read once per frame. */
export interface LogStore {
  readonly push: (action: LogAction) => void
  /** Counts bytes received (shown with the lines they came in). */
  readonly countReceived: (bytes: number) => void
  readonly countSent: (bytes: number) => void
  /** Counts datagrams the relay dropped (the increase its notice reports). */
  readonly countDropped: (datagrams: number) => void
  readonly clear: () => void
  readonly subscribe: (listener: () => void) => () => void
  readonly getSnapshot: () => LogSnapshot
}

/**
 * Collects log actions and applies them once per animation frame: a server
 * sending 100,000 lines costs one update per frame, not one per line, and
 * only the components that show the log re-render (typing does not wait on it).
 */
export function createLogStore(): LogStore {
  let snapshot: LogSnapshot = {
    log: emptyLog,
    sentBytes: 0,
    receivedBytes: 0,
    droppedDatagrams: 0,
  }
  let queue: LogAction[] = []
  let receivedBytes = 0
  let sentBytes = 0
  let droppedDatagrams = 0
  let frame: number | undefined
  const listeners = new Set<() => void>()

  const publish = (next: LogSnapshot): void => {
    snapshot = next
    for (const listener of listeners) listener()
  }
  const flush = (): void => {
    if (frame !== undefined) cancelAnimationFrame(frame)
    frame = undefined
    const actions = queue
    queue = []
    const log =
      actions.length === 0
        ? snapshot.log
        : logReducer(snapshot.log, { type: 'batch', actions })
    if (
      log === snapshot.log &&
      sentBytes === snapshot.sentBytes &&
      receivedBytes === snapshot.receivedBytes &&
      droppedDatagrams === snapshot.droppedDatagrams
    )
      return
    publish({ log, sentBytes, receivedBytes, droppedDatagrams })
  }
  const schedule = (): void => {
    if (queue.length >= MAX_QUEUED_ACTIONS) flush()
    else frame ??= requestAnimationFrame(flush)
  }

  return {
    push(action) {
      queue.push(action)
      schedule()
    },
    countReceived(bytes) {
      receivedBytes += bytes
      schedule()
    },
    countSent(bytes) {
      sentBytes += bytes
      schedule()
    },
    countDropped(datagrams) {
      droppedDatagrams += datagrams
      schedule()
    },
    clear() {
      queue = []
      receivedBytes = 0
      sentBytes = 0
      droppedDatagrams = 0
      publish({
        log: logReducer(snapshot.log, { type: 'clear' }),
        sentBytes,
        receivedBytes,
        droppedDatagrams,
      })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    getSnapshot: () => snapshot,
  }
}
