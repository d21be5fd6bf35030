import { useEffect, useState } from 'react'
import { describeStatus } from './status.js'
import type { RelayView } from './relay-view.js'

/** How often the reconnect countdown ticks, in ms. */
const COUNTDOWN_TICK_MS = 250

/**
 * The status row: the pill, Retry now, and one sentence of what it means.
 * The button and the sentence keep their place when empty, so nothing below
 * them jumps when they appear.
 */
export function StatusBar({
  view,
  onRetryNow,
}: {
  view: RelayView
  onRetryNow: () => void
}) {
  const [now, setNow] = useState(() => Date.now())
  const isCountingDown = view.retryAt !== undefined
  useEffect(() => {
    if (!isCountingDown) return
    const tick = () => setNow(Date.now())
    const first = setTimeout(tick, 0)
    const timer = setInterval(tick, COUNTDOWN_TICK_MS)
    return () => {
      clearTimeout(first)
      clearInterval(timer)
    }
  }, [isCountingDown, view.retryAt])
  const status = describeStatus(view, now)
  return (
    <>
      <div className="status-box">
        <output
          className={`status status-${status.tone}`}
          aria-label="Connection status"
        >
          {status.text}
        </output>
        <button
          type="button"
          className="retry"
          onClick={onRetryNow}
          hidden={!status.canRetryNow}
        >
          Retry now
        </button>
      </div>
      <p className={`status-detail status-detail-${status.tone}`}>
        {status.detail}
      </p>
    </>
  )
}
