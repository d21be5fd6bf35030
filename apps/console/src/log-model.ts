/** One line of the console log. */
export interface LogEntry {
  readonly id: number
  /** sent: red `>>>`; received: blue `<<<`; system: neutral; error: neutral, marked. */
  readonly kind: 'sent' | 'received' | 'system' | 'error'
  readonly text: string
  /** A received line still waiting for its newline. */
  readonly isOpen?: boolean
}

/** The log, newest last, capped so a chatty server cannot grow memory forever. */
export interface LogState {
  readonly entries: readonly LogEntry[]
  readonly nextId: number
}

/** Most entries kept; older ones scroll away. */
export const MAX_LOG_ENTRIES = 1000

export const emptyLog: LogState = { entries: [], nextId: 1 }

/** What can happen to the log. */
export type LogAction =
  | { type: 'sent'; text: string }
  | { type: 'received'; text: string }
  | { type: 'system'; text: string }
  | { type: 'error'; text: string }
  | { type: 'clear' }

function cap(entries: LogEntry[]): LogEntry[] {
  return entries.length > MAX_LOG_ENTRIES
    ? entries.slice(-MAX_LOG_ENTRIES)
    : entries
}

/**
 * Received text arrives in arbitrary pieces; it is shown line by line. A piece
 * without a newline stays "open" and the next piece continues it.
 */
function appendReceived(state: LogState, text: string): LogState {
  const entries = [...state.entries]
  let nextId = state.nextId
  const parts = text.split('\n')
  parts.forEach((part, index) => {
    const isComplete = index < parts.length - 1
    const last = entries.at(-1)
    if (last?.kind === 'received' && last.isOpen) {
      const joined = last.text + part
      entries[entries.length - 1] = {
        ...last,
        text: isComplete ? joined.replace(/\r$/, '') : joined,
        isOpen: !isComplete,
      }
    } else if (part.length > 0 || isComplete) {
      entries.push({
        id: nextId++,
        kind: 'received',
        text: isComplete ? part.replace(/\r$/, '') : part,
        isOpen: !isComplete,
      })
    }
  })
  return { entries: cap(entries), nextId }
}

/** The console's log reducer. */
export function logReducer(state: LogState, action: LogAction): LogState {
  switch (action.type) {
    case 'clear':
      return emptyLog
    case 'received':
      return appendReceived(state, action.text)
    case 'sent':
    case 'system':
    case 'error':
      return {
        entries: cap([
          ...state.entries,
          { id: state.nextId, kind: action.type, text: action.text },
        ]),
        nextId: state.nextId + 1,
      }
  }
}
