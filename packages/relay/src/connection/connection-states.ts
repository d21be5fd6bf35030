/**
 * The states of a connection, and the only moves between them. One
 * function, `Connection.transition`, makes every move and starts and stops
 * every timer; a move not in this table is a bug, refused.
 */
export const CONNECTION_STATES = {
  accepted: {
    means: 'the handshake is done; nothing is decided yet',
    timer: '—',
    moves: ['awaitingOpen', 'resolving', 'closing'],
  },
  awaitingOpen: {
    means: 'a `wsrelay.v1` client has not sent `open` yet',
    timer: '`handshakeTimeout` for the `open` (then 1008); the heartbeat',
    moves: ['resolving', 'closing', 'flushing'],
  },
  resolving: {
    means:
      'the target is being chosen: a route, the fixed target, or a name resolved and checked',
    timer: 'the heartbeat',
    moves: ['connecting', 'closing', 'flushing'],
  },
  connecting: {
    means: "the target's TCP handshake runs",
    timer: '`connectTimeout` (then 4003); the heartbeat',
    moves: ['open', 'closing', 'flushing'],
  },
  open: {
    means: 'bytes flow both ways',
    timer:
      '`idleTimeout` (then 4100); `stallTimeout` (then 4105); the heartbeat',
    moves: ['closing', 'flushing'],
  },
  closing: {
    means:
      'the relay sent its close frame behind the queued data; the browser has not answered yet',
    timer:
      '1 s for a refused browser to read its close, then cut (the link cuts others after `drainTimeout`)',
    moves: ['flushing'],
  },
  flushing: {
    means:
      "the browser side is closed; the target gets the browser's last bytes, then FIN",
    timer: 'the target socket is destroyed if not done within `drainTimeout`',
    moves: ['closed'],
  },
  closed: {
    means:
      'both sides are done; the close record went to the event, the log and the metrics',
    timer: '—',
    moves: [],
  },
} as const satisfies Record<
  string,
  {
    readonly means: string
    readonly timer: string
    readonly moves: readonly string[]
  }
>

/** Where a connection is in its life. */
export type ConnectionState = keyof typeof CONNECTION_STATES

/** True when the table allows `from` → `to`. */
export function isLegalMove(
  from: ConnectionState,
  to: ConnectionState,
): boolean {
  return (CONNECTION_STATES[from].moves as readonly string[]).includes(to)
}

/**
 * Refuses a move the table does not allow. Under test (NODE_ENV=test, which
 * Vitest sets and the relay processes it starts inherit) it throws, so the
 * bug fails the test; in production it is logged and the move is not made.
 */
export function illegalMove(
  id: number,
  from: ConnectionState,
  to: ConnectionState,
  log: (message: string) => void,
): void {
  const message = `Connection ${id}: no move from ${from} to ${to} (connection/connection-states.ts).`
  if (process.env.NODE_ENV === 'test') throw new Error(message)
  log(message)
}
