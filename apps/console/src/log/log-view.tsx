import {
  memo,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react'
import { MARKER, formatTime, type LogEntry } from './log-model.js'
import type { LogStore } from './log-store.js'
import { visiblePieces } from './visible-text.js'

/** Within this many px of the bottom counts as "at the newest line". */
const FOLLOW_SLACK_PX = 24
/**
 * Rows rendered while following the newest line. A burst of lines then costs
 * a few hundred rows per frame, not the whole log; scrolling up to read shows
 * the whole log, frozen until the user jumps back.
 */
export const TAIL_ROWS = 80

/** Where a list is scrolled, and how big it is. */
function positionOf(list: HTMLElement) {
  return {
    top: list.scrollTop,
    width: list.clientWidth,
    height: list.clientHeight,
  }
}

/** Scrolls to the newest line; returns the position it left. */
function pinToBottom(list: HTMLElement) {
  list.scrollTop = list.scrollHeight
  return positionOf(list)
}

/**
 * A line's text with invisible characters as marked escapes (text only,
 * never HTML). A plain function, not a component: a burst renders a screenful
 * of new rows at once, and each component costs (twice, under StrictMode).
 */
function lineContent(text: string) {
  const pieces = visiblePieces(text)
  if (pieces.length === 1 && typeof pieces[0] === 'string') return pieces[0]
  return pieces.map((piece, index) =>
    typeof piece === 'string' ? (
      piece
    ) : (
      <span key={index} className="escape" title="invisible character">
        {piece.escape}
      </span>
    ),
  )
}

const Row = memo(function Row({ entry }: { entry: LogEntry }) {
  return (
    <li className={`entry entry-${entry.kind}`} data-kind={entry.kind}>
      <time dateTime={new Date(entry.at).toISOString()}>
        {formatTime(entry.at)}
      </time>
      <span className="line">
        {MARKER[entry.kind]}
        <bdi>{lineContent(entry.text)}</bdi>
      </span>
      {entry.count !== undefined && entry.lastAt !== undefined && (
        <span className="repeat" aria-label={`${entry.count} times`}>
          ×{entry.count}
          <span className="repeat-last">, last {formatTime(entry.lastAt)}</span>
        </span>
      )}
    </li>
  )
})

/**
 * The log: sent lines red, received lines blue, events neutral, failures
 * marked. Follows the newest line, also through a resize, until the user
 * scrolls up to read; then the view holds still, with a button to jump back.
 */
export function LogView({ store }: { store: LogStore }) {
  const { entries, dropped } = useSyncExternalStore(
    store.subscribe,
    () => store.getSnapshot().log,
  )
  const listRef = useRef<HTMLOListElement>(null)
  /** While reading back: the log as it was when the user scrolled up. */
  const [frozen, setFrozen] = useState<readonly LogEntry[] | undefined>(
    undefined,
  )
  const isFollowing = frozen === undefined
  /** Distance from the bottom before a re-render, to keep the reader's place. */
  const fromBottom = useRef<number | undefined>(undefined)
  /** The list's scroll position and size at the last scroll we saw or made. */
  const last = useRef({ top: 0, width: 0, height: 0 })
  const lastId = entries.at(-1)?.id ?? 0
  const frozenLastId = frozen?.at(-1)?.id ?? 0
  const shown = frozen ?? entries.slice(-TAIL_ROWS)
  const hidden = frozen ? 0 : entries.length - shown.length

  const remember = (list: HTMLOListElement) => {
    last.current = positionOf(list)
  }

  useLayoutEffect(() => {
    const list = listRef.current
    if (!list) return
    if (isFollowing) {
      last.current = pinToBottom(list)
    } else if (fromBottom.current !== undefined) {
      list.scrollTop = list.scrollHeight - fromBottom.current
      fromBottom.current = undefined
      last.current = positionOf(list)
    }
  }, [shown, isFollowing])

  // A resize (window, rotation, a status line appearing) moves the bottom:
  // while following, follow it.
  useLayoutEffect(() => {
    const list = listRef.current
    if (!list || !isFollowing) return
    const observer = new ResizeObserver(() => {
      last.current = pinToBottom(list)
    })
    observer.observe(list)
    return () => observer.disconnect()
  }, [isFollowing])

  const onScroll = () => {
    const list = listRef.current
    if (!list) return
    const distance = list.scrollHeight - list.scrollTop
    const isAtBottom = distance - list.clientHeight <= FOLLOW_SLACK_PX
    const wasResized =
      list.clientWidth !== last.current.width ||
      list.clientHeight !== last.current.height
    const isUserScrollUp = list.scrollTop < last.current.top && !wasResized
    if (isAtBottom && !isFollowing) setFrozen(undefined)
    if (isFollowing && !isAtBottom) {
      if (isUserScrollUp) {
        fromBottom.current = distance
        setFrozen(entries)
      } else {
        // The layout moved, not the reader.
        last.current = pinToBottom(list)
        return
      }
    }
    remember(list)
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
