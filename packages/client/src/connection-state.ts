/**
 * Where a {@link RelayClient} is in its life. `waiting-to-reconnect`: the last
 * session dropped and a new one starts when the backoff timer fires or the
 * network comes back.
 */
export type RelayClientState =
  'idle' | 'connecting' | 'open' | 'closing' | 'closed' | 'waiting-to-reconnect'

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
