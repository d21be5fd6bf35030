import { useEffect, useRef } from 'react'
import type { LogEntry } from './log-model.js'

const MARKER: Record<LogEntry['kind'], string> = {
  sent: '>>> ',
  received: '<<< ',
  system: '--- ',
  error: '!!! ',
}

/** The log: sent lines red, received lines blue, events neutral. Text only, never HTML. */
export function LogView({ entries }: { entries: readonly LogEntry[] }) {
  const endRef = useRef<HTMLLIElement>(null)
  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' })
  }, [entries])

  return (
    <ol className="log" role="log" aria-label="Log" aria-live="polite">
      {entries.map((entry) => (
        <li
          key={entry.id}
          className={`entry entry-${entry.kind}`}
          data-kind={entry.kind}
        >
          {MARKER[entry.kind]}
          {entry.text}
        </li>
      ))}
      <li ref={endRef} aria-hidden="true" className="log-end" />
    </ol>
  )
}
