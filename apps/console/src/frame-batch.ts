import { useCallback, useEffect, useRef } from 'react'
import type { LogAction } from './log-model.js'

/**
 * Past this many queued actions the queue is applied at once: requestAnimationFrame
 * does not run in a background tab, and the queue must not grow while nobody looks.
 */
export const MAX_QUEUED_ACTIONS = 10_000

/**
 * Collects log actions and applies them once per animation frame: a server
 * sending 100,000 lines costs one render per frame, not one per line.
 */
export function useFrameBatch(dispatch: (action: LogAction) => void) {
  const queue = useRef<LogAction[]>([])
  const frame = useRef<number | undefined>(undefined)

  const flush = useCallback(() => {
    if (frame.current !== undefined) cancelAnimationFrame(frame.current)
    frame.current = undefined
    const actions = queue.current
    if (actions.length === 0) return
    queue.current = []
    dispatch({ type: 'batch', actions })
  }, [dispatch])

  const push = useCallback(
    (action: LogAction) => {
      queue.current.push(action)
      if (queue.current.length >= MAX_QUEUED_ACTIONS) flush()
      else frame.current ??= requestAnimationFrame(flush)
    },
    [flush],
  )

  useEffect(
    () => () => {
      if (frame.current !== undefined) cancelAnimationFrame(frame.current)
    },
    [],
  )
  return push
}
