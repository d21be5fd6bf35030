/** What a log line is: sent red `>>>`, received blue `<<<`, events `---`, failures `!!!`. */
export type LogKind = 'sent' | 'received' | 'system' | 'error'

/** One line of the console log. */
export interface LogEntry {
  readonly id: number
  readonly kind: LogKind
  readonly text: string
  /** When it happened (ms since the epoch); a received line: when its first piece arrived. */
  readonly at: number
  /** A received line still waiting for its newline. */
  readonly isOpen?: boolean
  /** An event or failure that happened this many times in a row (shown once). */
  readonly count?: number
  /** With `count`: when it last happened. */
  readonly lastAt?: number
}

/** The log, newest last, capped so a chatty server cannot grow memory forever. */
export interface LogState {
  readonly entries: readonly LogEntry[]
  readonly nextId: number
  /** Entries dropped off the top since the last clear. */
  readonly dropped: number
}

/**
 * Most entries kept; older ones are dropped with a visible notice. 2,000 rows
 * re-render within a frame even on a slow phone; more would need virtualising.
 */
export const MAX_LOG_ENTRIES = 2000

/**
 * Longest received line shown as one entry, in characters: a stream without
 * newlines is cut into entries of this size rather than growing one forever.
 */
export const MAX_LINE_CHARS = 4096

export const emptyLog: LogState = { entries: [], nextId: 1, dropped: 0 }

/** What can happen to the log. `at` is when it happened (default: when applied). */
export type LogAction =
  | {
      type: 'sent' | 'received' | 'system' | 'error'
      text: string
      at?: number
    }
  /** One datagram from a UDP target: one line of its own, whatever it holds. */
  | { type: 'datagram'; text: string; at?: number }
  | { type: 'batch'; actions: readonly LogAction[] }
  | { type: 'clear' }

/** A log being changed in place by one batch; copied once per batch, not per line. */
interface Draft {
  entries: LogEntry[]
  nextId: number
  dropped: number
}

/** Entries a complete line of this length becomes. */
const entriesOf = (line: string): number =>
  Math.max(1, Math.ceil(line.length / MAX_LINE_CHARS))

/**
 * Received text arrives in arbitrary pieces; it is shown line by line. A piece
 * without a newline stays "open" and the next piece continues it. Of a piece
 * holding more lines than the log keeps, only the newest are built: the rest
 * would be dropped at once, and are counted as dropped instead.
 */
function appendReceived(draft: Draft, text: string, at: number): void {
  const parts = text.split('\n')
  const lastComplete = parts.length - 2
  // Keep the first part (it may finish an open line) and the newest lines.
  const skipTo = Math.max(1, parts.length - 1 - MAX_LOG_ENTRIES)
  parts.forEach((part, index) => {
    if (index > 0 && index < skipTo) {
      draft.dropped += entriesOf(part)
      draft.nextId += entriesOf(part)
      return
    }
    appendPart(draft, part, index <= lastComplete, at)
  })
}

/**
 * A datagram is a whole message: it becomes one received line of its own
 * (never joined to the line before it, its one trailing line ending
 * dropped, a newline inside shown as an escape), cut only where any line
 * is, every 4,096 characters.
 */
function appendDatagram(draft: Draft, text: string, at: number): void {
  const last = draft.entries.at(-1)
  if (last?.kind === 'received' && last.isOpen === true)
    draft.entries[draft.entries.length - 1] = { ...last, isOpen: false }
  appendPart(draft, text.replace(/\r?\n$/, ''), true, at)
}

function appendPart(
  draft: Draft,
  part: string,
  isComplete: boolean,
  at: number,
): void {
  let rest = part
  do {
    const last = draft.entries.at(-1)
    const isJoining = last?.kind === 'received' && last.isOpen === true
    const room = MAX_LINE_CHARS - (isJoining ? last.text.length : 0)
    const piece = rest.slice(0, room)
    rest = rest.slice(piece.length)
    const isLineDone = (isComplete && rest.length === 0) || rest.length > 0
    const joined = (isJoining ? last.text : '') + piece
    const shown =
      isComplete && rest.length === 0 ? joined.replace(/\r$/, '') : joined
    if (isJoining) {
      draft.entries[draft.entries.length - 1] = {
        ...last,
        text: shown,
        isOpen: !isLineDone,
      }
    } else if (piece.length > 0 || isComplete) {
      draft.entries.push({
        id: draft.nextId++,
        kind: 'received',
        text: shown,
        at,
        isOpen: !isLineDone,
      })
    }
  } while (rest.length > 0)
}

/**
 * An event or failure the same as the line before it (a retry failing the
 * same way) is counted on that line instead of repeated. Sent and received
 * lines are data: always shown one by one.
 */
function appendEvent(
  draft: Draft,
  kind: 'sent' | 'system' | 'error',
  text: string,
  at: number,
): void {
  const shown = shorten(text)
  const last = draft.entries.at(-1)
  if (kind !== 'sent' && last?.kind === kind && last.text === shown) {
    draft.entries[draft.entries.length - 1] = {
      ...last,
      count: (last.count ?? 1) + 1,
      lastAt: at,
    }
    return
  }
  draft.entries.push({ id: draft.nextId++, kind, text: shown, at })
}

function apply(draft: Draft, action: LogAction): void {
  switch (action.type) {
    case 'clear':
      draft.entries = []
      draft.dropped = 0
      return
    case 'batch': {
      for (const inner of action.actions) {
        apply(draft, inner)
        // Trim as we go: a burst of 100,000 lines must not build a 100,000-row array first.
        if (draft.entries.length > 2 * MAX_LOG_ENTRIES) trim(draft)
      }
      return
    }
    case 'received':
      appendReceived(draft, action.text, action.at ?? Date.now())
      return
    case 'datagram':
      appendDatagram(draft, action.text, action.at ?? Date.now())
      return
    case 'sent':
    case 'system':
    case 'error':
      appendEvent(draft, action.type, action.text, action.at ?? Date.now())
      return
  }
}

/** A sent line longer than a screenful is shown cut, saying how much more was sent. */
function shorten(text: string): string {
  return text.length > MAX_LINE_CHARS
    ? `${text.slice(0, MAX_LINE_CHARS)}… (${(text.length - MAX_LINE_CHARS).toLocaleString('en')} more characters)`
    : text
}

function trim(draft: Draft): void {
  const excess = draft.entries.length - MAX_LOG_ENTRIES
  if (excess > 0) {
    draft.entries.splice(0, excess)
    draft.dropped += excess
  }
}

/** The console's log reducer. */
export function logReducer(state: LogState, action: LogAction): LogState {
  const draft: Draft = {
    entries: [...state.entries],
    nextId: state.nextId,
    dropped: state.dropped,
  }
  apply(draft, action)
  trim(draft)
  return draft
}

/** `12:34:56.789` in local time. */
export function formatTime(at: number): string {
  const d = new Date(at)
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** Marker shown before each kind of line. */
export const MARKER: Record<LogKind, string> = {
  sent: '>>> ',
  received: '<<< ',
  system: '--- ',
  error: '!!! ',
}

/** `×5, last 12:34:56.789` for a line that happened 5 times; empty for once. */
export function repeatNote(entry: LogEntry): string {
  if (entry.count === undefined || entry.lastAt === undefined) return ''
  return `×${entry.count}, last ${formatTime(entry.lastAt)}`
}

/** The log as plain text, one line per entry with its time, for copy and download. */
export function logAsText(entries: readonly LogEntry[]): string {
  return entries
    .map((entry) => {
      const note = repeatNote(entry)
      return `${formatTime(entry.at)} ${MARKER[entry.kind]}${entry.text}${note ? ` (${note})` : ''}\n`
    })
    .join('')
}
