import { memo, useLayoutEffect, useRef, useState } from 'react'
import { MARKER, formatTime, type LogEntry } from './log-model.js'

/** Within this many px of the bottom counts as "at the newest line". */
const FOLLOW_SLACK_PX = 24
/**
 * Rows rendered while following the newest line. A burst of lines then costs
 * a few hundred rows per frame, not the whole log; scrolling up to read shows
 * the whole log, frozen until the user jumps back.
 */
export const TAIL_ROWS = 300

const Row = memo(function Row({ entry }: { entry: LogEntry }) {
  return (
    <li className={`entry entry-${entry.kind}`} data-kind={entry.kind}>
      <time dateTime={new Date(entry.at).toISOString()}>
        {formatTime(entry.at)}
      </time>
      <span className="line">
        {MARKER[entry.kind]}
        {entry.text}
      </span>
    </li>
  )
})

/**
 * The log: sent lines red, received lines blue, events neutral, errors marked.
 * Text only, never HTML. Follows the newest line until the user scrolls up to
 * read; then the view holds still, with a button to jump back.
 */
export function LogView({
  entries,
  dropped,
}: {
  entries: readonly LogEntry[]
  dropped: number
}) {
  const listRef = useRef<HTMLOListElement>(null)
  /** While reading back: the log as it was when the user scrolled up. */
  const [frozen, setFrozen] = useState<readonly LogEntry[] | undefined>(
    undefined,
  )
  /** Distance from the bottom before a re-render, to keep the reader's place. */
  const fromBottom = useRef<number | undefined>(undefined)
  const lastId = entries.at(-1)?.id ?? 0
  const frozenLastId = frozen?.at(-1)?.id ?? 0
  const shown = frozen ?? entries.slice(-TAIL_ROWS)
  const hidden = frozen ? 0 : entries.length - shown.length

  useLayoutEffect(() => {
    const list = listRef.current
    if (!list) return
    if (frozen === undefined) {
      list.scrollTop = list.scrollHeight
    } else if (fromBottom.current !== undefined) {
      list.scrollTop = list.scrollHeight - fromBottom.current
      fromBottom.current = undefined
    }
  }, [shown, frozen])

  const onScroll = () => {
    const list = listRef.current
    if (!list) return
    const distance = list.scrollHeight - list.scrollTop
    const isAtBottom = distance - list.clientHeight <= FOLLOW_SLACK_PX
    if (isAtBottom && frozen !== undefined) setFrozen(undefined)
    if (!isAtBottom && frozen === undefined) {
      fromBottom.current = distance
      setFrozen(entries)
    }
  }

  return (
    <div className="log-frame">
      {dropped > 0 && (
        <p className="log-notice" role="note">
          Showing the newest {entries.length.toLocaleString('en')} lines;{' '}
          {dropped.toLocaleString('en')} older lines were dropped.
        </p>
      )}
      <ol
        ref={listRef}
        className="log"
        role="log"
        aria-label="Log"
        tabIndex={0}
        onScroll={onScroll}
      >
        {hidden > 0 && (
          <li className="entry entry-more" aria-hidden="true">
            {hidden.toLocaleString('en')} earlier lines: scroll up to read them
          </li>
        )}
        {shown.map((entry) => (
          <Row key={entry.id} entry={entry} />
        ))}
      </ol>
      {frozen !== undefined && (
        <button
          type="button"
          className="jump"
          onClick={() => setFrozen(undefined)}
        >
          Autoscroll paused
          {lastId > frozenLastId ? ` (${lastId - frozenLastId} new)` : ''}: jump
          to newest
        </button>
      )}
    </div>
  )
}
