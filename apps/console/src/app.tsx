import {
  useCallback,
  useEffect,
  useReducer,
  useRef,
  useState,
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
} from 'react'
import {
  LINE_ENDINGS,
  formatBytes,
  pastedLines,
  type LineEnding,
} from './bytes.js'
import { useFrameBatch } from './frame-batch.js'
import { parseHex, toHex } from './hex.js'
import { emptyLog, logAsText, logReducer } from './log-model.js'
import { LogView } from './log-view.js'
import {
  DEFAULT_OFFER,
  fetchOffer,
  firstChoice,
  openTargetOf,
  type RelayOffer,
  type TargetChoice,
} from './relay-targets.js'
import { statusDetail, statusText, statusTone } from './status.js'
import { isErrorClose, useRelay } from './use-relay.js'

/** Same origin at /relay, so the page works behind `pnpm dev` and `wsrelay --web`. */
function defaultRelayUrl(): string {
  const fromQuery = new URLSearchParams(window.location.search).get('url')
  if (fromQuery) return fromQuery
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/relay`
}

/** Lines kept for the arrow-key history. */
const HISTORY_SIZE = 100
/** Lines of a paste sent before the page yields to the browser. */
const PASTE_SLICE_LINES = 200
/** How often the reconnect countdown ticks, in ms. */
const COUNTDOWN_TICK_MS = 250

const encoder = new TextEncoder()

/** The console page. */
export function App() {
  const [url, setUrl] = useState(defaultRelayUrl)
  const [offer, setOffer] = useState<RelayOffer>(DEFAULT_OFFER)
  const [choice, setChoice] = useState<TargetChoice>('default')
  const [customHost, setCustomHost] = useState('')
  const [customPort, setCustomPort] = useState('')
  const [draft, setDraft] = useState('')
  const [isHexView, setHexView] = useState(false)
  const [isHexInput, setHexInput] = useState(false)
  const [lineEnding, setLineEnding] = useState<LineEnding>('lf')
  const [autoReconnect, setAutoReconnect] = useState(true)
  const [log, dispatch] = useReducer(logReducer, emptyLog)
  const [counts, setCounts] = useState({ sent: 0, received: 0 })
  const [now, setNow] = useState(() => Date.now())
  const history = useRef<string[]>([])
  const historyIndex = useRef<number | undefined>(undefined)
  const messageRef = useRef<HTMLInputElement>(null)
  const receivedBytes = useRef(0)
  const hexViewRef = useRef(isHexView)
  useEffect(() => {
    hexViewRef.current = isHexView
  }, [isHexView])

  const push = useFrameBatch(
    useCallback((action) => {
      dispatch(action)
      // The byte count rides on the same frame as the lines it counts.
      setCounts((c) =>
        c.received === receivedBytes.current
          ? c
          : { ...c, received: receivedBytes.current },
      )
    }, []),
  )

  const relay = useRelay(
    {
      onConnected: ({ host, port, address, route }, isReconnect) =>
        push({
          type: 'system',
          text:
            `Connected to ${route ? `route ${route}` : host !== undefined ? `${host}:${port}${address !== host ? ` at ${address}` : ''}` : 'the default target'}` +
            (isReconnect
              ? ' (a new session: the server sees a new connection)'
              : ''),
        }),
      onBytes: (bytes, text) => {
        receivedBytes.current += bytes.length
        push({
          type: 'received',
          text: hexViewRef.current ? `${toHex(bytes)}\n` : text,
        })
      },
      onTargetEnded: () =>
        push({
          type: 'error',
          text: 'The target ended its side (FIN): it will send nothing more. This session is over; press Connect to start a new one.',
        }),
      onClose: (close) =>
        push({
          type: isErrorClose(close) ? 'error' : 'system',
          text: close.willReconnect
            ? `${close.message} Reconnecting…`
            : close.message,
        }),
      onError: (message) => push({ type: 'error', text: message }),
    },
    autoReconnect,
  )
  const { connect, status } = relay

  const connectTo = useCallback(
    (relayUrl: string, picked: TargetChoice, host: string, port: string) => {
      const target = openTargetOf(picked, host, port)
      if (target instanceof Error) {
        push({ type: 'error', text: target.message })
        return
      }
      connect(relayUrl, target)
    },
    [connect, push],
  )

  // On load: ask the relay what it offers, then connect to the first target.
  const initialUrl = useRef(url)
  useEffect(() => {
    const abort = new AbortController()
    void fetchOffer(initialUrl.current, abort.signal).then((found) => {
      if (abort.signal.aborted) return
      const first = firstChoice(found)
      setOffer(found)
      setChoice(first)
      if (first === 'custom') return
      push({ type: 'system', text: `Connecting to ${initialUrl.current}…` })
      connectTo(initialUrl.current, first, '', '')
    })
    return () => abort.abort()
  }, [connectTo, push])

  const isConnected = status.kind === 'connected'
  const isBusy =
    status.kind === 'connecting' ||
    status.kind === 'connected' ||
    status.kind === 'reconnecting' ||
    status.kind === 'closing'

  // Back to the message box once connected, unless the user is typing elsewhere.
  useEffect(() => {
    if (!isConnected) return
    const active = document.activeElement
    const isTypingElsewhere =
      active instanceof HTMLInputElement ||
      active instanceof HTMLSelectElement ||
      active instanceof HTMLTextAreaElement
    if (!isTypingElsewhere || active === messageRef.current)
      messageRef.current?.focus()
  }, [isConnected])

  const isCountingDown = status.kind === 'reconnecting'
  useEffect(() => {
    if (!isCountingDown) return
    const timer = setInterval(() => setNow(Date.now()), COUNTDOWN_TICK_MS)
    return () => clearInterval(timer)
  }, [isCountingDown])

  /** Sends one line as typed; false (with a log line saying why) when it cannot. */
  const sendLine = (line: string): boolean => {
    let bytes: Uint8Array
    let shown: string
    if (isHexInput) {
      const parsed = parseHex(line)
      if (!parsed) {
        push({
          type: 'error',
          text: `Not hex bytes: "${line}". Type pairs like "de ad be ef".`,
        })
        return false
      }
      bytes = parsed
      shown = toHex(parsed)
    } else {
      bytes = encoder.encode(line + LINE_ENDINGS[lineEnding])
      shown = line
    }
    if (!relay.send(bytes)) {
      push({
        type: 'error',
        text: `Not sent: "${line}". The console is not connected; press Connect.`,
      })
      return false
    }
    push({ type: 'sent', text: shown })
    setCounts((c) => ({ ...c, sent: c.sent + bytes.length }))
    if (line.length > 0 && history.current.at(-1) !== line) {
      history.current.push(line)
      if (history.current.length > HISTORY_SIZE) history.current.shift()
    }
    historyIndex.current = undefined
    return true
  }

  const onSend = (event: FormEvent) => {
    event.preventDefault()
    if (!isConnected) return
    if (draft.length === 0 && (isHexInput || lineEnding === 'none')) return
    if (sendLine(draft)) setDraft('')
  }

  const onPaste = (event: ClipboardEvent<HTMLInputElement>) => {
    const text = event.clipboardData.getData('text')
    if (!/[\r\n]/.test(text)) return
    // An <input> would join the lines with spaces: send them one by one instead.
    event.preventDefault()
    const input = event.currentTarget
    const start = input.selectionStart ?? draft.length
    const end = input.selectionEnd ?? draft.length
    setDraft('')
    void sendLines(pastedLines(draft.slice(0, start) + text + draft.slice(end)))
  }

  /**
   * Sends pasted lines in slices, letting the page breathe between them (a
   * paste of 10,000 lines must not freeze it) and waiting for the socket's
   * send buffer to drain. A line that cannot be sent stops the rest.
   */
  const sendLines = async (lines: readonly string[]) => {
    for (let index = 0; index < lines.length; index++) {
      if (!sendLine(lines[index] ?? '')) {
        setDraft(lines.slice(index).join(' '))
        return
      }
      if ((index + 1) % PASTE_SLICE_LINES === 0) {
        await relay.drain()
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
    }
  }

  const onMessageKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return
    const past = history.current
    if (past.length === 0) return
    event.preventDefault()
    const current = historyIndex.current ?? past.length
    const next =
      event.key === 'ArrowUp'
        ? Math.max(0, current - 1)
        : Math.min(past.length, current + 1)
    historyIndex.current = next === past.length ? undefined : next
    setDraft(past[next] ?? '')
  }

  const onPing = () => {
    void relay.ping().then(
      (ms) =>
        ms !== undefined &&
        push({ type: 'system', text: `Round trip to the relay: ${ms} ms` }),
      (err: Error) => push({ type: 'error', text: err.message }),
    )
  }

  const onCopy = () => {
    const text = logAsText(log.entries)
    navigator.clipboard.writeText(text).then(
      () =>
        push({
          type: 'system',
          text: `Copied ${log.entries.length} lines to the clipboard.`,
        }),
      (err: Error) =>
        push({ type: 'error', text: `Could not copy the log: ${err.message}` }),
    )
  }

  const onDownload = () => {
    const blob = new Blob([logAsText(log.entries)], { type: 'text/plain' })
    const link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = `wsrelay-log-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), 0)
  }

  const detail = statusDetail(status)

  return (
    <main className="console">
      <header>
        <h1>wsrelay console</h1>
        <div className="status-box">
          <output
            className={`status status-${statusTone(status)}`}
            aria-label="Connection status"
          >
            {statusText(status, now)}
          </output>
          {status.kind === 'reconnecting' && (
            <button type="button" onClick={relay.retryNow}>
              Retry now
            </button>
          )}
        </div>
      </header>
      {detail && (
        <p className={`status-detail status-detail-${statusTone(status)}`}>
          {detail}
        </p>
      )}

      <form
        className="connect"
        onSubmit={(event) => {
          event.preventDefault()
          push({ type: 'system', text: `Connecting to ${url}…` })
          connectTo(url, choice, customHost, customPort)
        }}
      >
        <div className="field wide">
          <label htmlFor="relay-url">Relay URL</label>
          <input
            id="relay-url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            onBlur={() => void fetchOffer(url).then(setOffer)}
            spellCheck={false}
          />
        </div>
        <div className="field">
          <label htmlFor="target">Target</label>
          <select
            id="target"
            value={choice}
            onChange={(event) => setChoice(event.target.value)}
          >
            {offer.defaultTarget && (
              <option value="default">Default target</option>
            )}
            {offer.routes.map((name) => (
              <option key={name} value={`route:${name}`}>
                Route: {name}
              </option>
            ))}
            {offer.clientChosenTargets && (
              <option value="custom">Custom host:port…</option>
            )}
          </select>
        </div>
        {choice === 'custom' && (
          <>
            <div className="field">
              <label htmlFor="target-host">Host</label>
              <input
                id="target-host"
                value={customHost}
                onChange={(event) => setCustomHost(event.target.value)}
                placeholder="game.example"
                spellCheck={false}
              />
            </div>
            <div className="field port">
              <label htmlFor="target-port">Port</label>
              <input
                id="target-port"
                value={customPort}
                onChange={(event) => setCustomPort(event.target.value)}
                placeholder="7000"
                inputMode="numeric"
              />
            </div>
          </>
        )}
        <div className="buttons">
          <button type="submit" disabled={isBusy}>
            Connect
          </button>
          <button type="button" onClick={relay.disconnect} disabled={!isBusy}>
            Disconnect
          </button>
          <label className="check">
            <input
              type="checkbox"
              checked={autoReconnect}
              onChange={(event) => setAutoReconnect(event.target.checked)}
            />
            Auto-reconnect
          </label>
        </div>
      </form>

      <div className="toolbar">
        <p className="stats" aria-label="Traffic">
          <span>Sent {formatBytes(counts.sent)}</span>
          <span>Received {formatBytes(counts.received)}</span>
          <span>
            RTT {relay.rttMs === undefined ? '–' : `${relay.rttMs} ms`}
          </span>
        </p>
        <div className="buttons">
          <button
            type="button"
            onClick={() => {
              dispatch({ type: 'clear' })
              receivedBytes.current = 0
              setCounts({ sent: 0, received: 0 })
            }}
          >
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

      <LogView entries={log.entries} dropped={log.dropped} />

      <form className="send" onSubmit={onSend}>
        <label htmlFor="message">Message</label>
        <input
          id="message"
          ref={messageRef}
          value={draft}
          onChange={(event) => {
            setDraft(event.target.value)
            historyIndex.current = undefined
          }}
          onPaste={onPaste}
          onKeyDown={onMessageKey}
          placeholder={
            isHexInput ? 'de ad be ef' : 'Type a line and press Enter'
          }
          disabled={!isConnected}
          autoComplete="off"
          spellCheck={false}
          autoFocus
        />
        <button type="submit" disabled={!isConnected}>
          Send
        </button>
      </form>

      <fieldset className="options">
        <legend>Options</legend>
        <div className="field inline">
          <label htmlFor="line-ending">Line ending</label>
          <select
            id="line-ending"
            value={lineEnding}
            onChange={(event) =>
              setLineEnding(event.target.value as LineEnding)
            }
            disabled={isHexInput}
          >
            <option value="lf">LF (\n)</option>
            <option value="crlf">CRLF (\r\n)</option>
            <option value="none">None</option>
          </select>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={isHexInput}
            onChange={(event) => setHexInput(event.target.checked)}
          />
          Send hex
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={isHexView}
            onChange={(event) => setHexView(event.target.checked)}
          />
          Show received as hex
        </label>
        <div className="buttons">
          <button type="button" onClick={onPing} disabled={!isConnected}>
            Ping
          </button>
          <button
            type="button"
            onClick={() => {
              if (relay.end())
                push({
                  type: 'system',
                  text: 'Sent end: no more data from this side (FIN to the target).',
                })
            }}
            disabled={!isConnected}
          >
            End input
          </button>
        </div>
      </fieldset>
    </main>
  )
}
