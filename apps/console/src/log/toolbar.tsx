import { useSyncExternalStore } from 'react'
import { formatBytes } from '../composer/bytes.js'
import { logAsText } from './log-model.js'
import type { LogStore } from './log-store.js'

/**
 * Above the log: bytes each way, datagrams dropped (a UDP session), and the
 * round trip; Clear, Copy and Download act on the log as kept.
 */
export function Toolbar({
  store,
  rttMs,
  isDatagrams,
}: {
  store: LogStore
  rttMs: number | undefined
  /** The session's target is UDP: the relay may drop what the page does not read in time. */
  isDatagrams: boolean
}) {
  const { sentBytes, receivedBytes, droppedDatagrams } = useSyncExternalStore(
    store.subscribe,
    store.getSnapshot,
  )
  const entries = () => store.getSnapshot().log.entries

  const onCopy = () => {
    const kept = entries()
    navigator.clipboard.writeText(logAsText(kept)).then(
      () =>
        store.push({
          type: 'system',
          text: `Copied ${kept.length} lines to the clipboard.`,
        }),
      (err: Error) =>
        store.push({
          type: 'error',
          text: `Could not copy the log: ${err.message}`,
        }),
    )
  }

  const onDownload = () => {
    const blob = new Blob([logAsText(entries())], { type: 'text/plain' })
    const link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = `wsrelay-log-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), 0)
  }

  return (
    <div className="toolbar">
      <p className="stats" aria-label="Traffic">
        <span>Sent {formatBytes(sentBytes)}</span>
        <span>Received {formatBytes(receivedBytes)}</span>
        {(isDatagrams || droppedDatagrams > 0) && (
          <span title="Datagrams from the UDP server the relay dropped because this page did not read them in time">
            Dropped {droppedDatagrams.toLocaleString('en')}
          </span>
        )}
        <span>RTT {rttMs === undefined ? '–' : `${rttMs} ms`}</span>
      </p>
      <div className="buttons">
        <button type="button" onClick={() => store.clear()}>
          Clear
        </button>
        <button type="button" onClick={onCopy}>
          Copy
        </button>
        <button type="button" onClick={onDownload}>
          Download
        </button>
      </div>
    </div>
  )
}
