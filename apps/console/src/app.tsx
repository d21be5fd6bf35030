import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react'
import { toHex, parseHex } from './hex.js'
import { emptyLog, logReducer } from './log-model.js'
import { LogView } from './log-view.js'
import { useRelay } from './use-relay.js'

/** Same origin at /relay, so the page works behind `pnpm dev` and `wsrelay --web`. */
function defaultRelayUrl(): string {
  const fromQuery = new URLSearchParams(window.location.search).get('url')
  if (fromQuery) return fromQuery
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/relay`
}

const STATUS_TEXT = {
  idle: 'Disconnected',
  connecting: 'Connecting…',
  open: 'Connected',
  closing: 'Closing…',
  closed: 'Disconnected',
} as const

/** The console page. */
export function App() {
  const [url, setUrl] = useState(defaultRelayUrl)
  const [draft, setDraft] = useState('')
  const [isHexView, setHexView] = useState(false)
  const [isHexInput, setHexInput] = useState(false)
  const [appendNewline, setAppendNewline] = useState(true)
  const [log, dispatch] = useReducer(logReducer, emptyLog)
  const hexViewRef = useRef(isHexView)
  useEffect(() => {
    hexViewRef.current = isHexView
  }, [isHexView])

  const relay = useRelay({
    onOpen: (protocol) =>
      dispatch({
        type: 'system',
        text: `Connected to ${url}${protocol ? ` (${protocol})` : ''}`,
      }),
    onBytes: (bytes, text) =>
      hexViewRef.current
        ? dispatch({ type: 'received', text: `${toHex(bytes)}\n` })
        : dispatch({ type: 'received', text }),
    onClose: (message) => dispatch({ type: 'system', text: message }),
    onError: (message) => dispatch({ type: 'error', text: message }),
  })
  const { connect } = relay

  // Connect once on load to the default URL; later connects are the user's.
  const initialUrl = useRef(url)
  useEffect(() => connect(initialUrl.current), [connect])

  const isOpen = relay.state === 'open'
  const isBusy = relay.state === 'connecting' || relay.state === 'open'

  const onSend = (event: FormEvent) => {
    event.preventDefault()
    if (!isOpen || draft.length === 0) return
    if (isHexInput) {
      const bytes = parseHex(draft)
      if (!bytes) {
        dispatch({
          type: 'error',
          text: `Not hex bytes: "${draft}". Type pairs like "de ad be ef".`,
        })
        return
      }
      relay.send(bytes)
      dispatch({ type: 'sent', text: toHex(bytes) })
    } else {
      relay.send(appendNewline ? `${draft}\n` : draft)
      dispatch({ type: 'sent', text: draft })
    }
    setDraft('')
  }

  return (
    <main className="console">
      <header>
        <h1>wsrelay console</h1>
        <output
          className={`status status-${relay.state}`}
          aria-label="Connection status"
        >
          {STATUS_TEXT[relay.state]}
        </output>
      </header>

      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault()
          dispatch({ type: 'system', text: `Connecting to ${url}…` })
          connect(url)
        }}
      >
        <label htmlFor="relay-url">Relay URL</label>
        <input
          id="relay-url"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          spellCheck={false}
        />
        <button type="submit" disabled={isBusy}>
          Connect
        </button>
        <button type="button" onClick={relay.disconnect} disabled={!isBusy}>
          Disconnect
        </button>
      </form>

      <LogView entries={log.entries} />

      <form className="row" onSubmit={onSend}>
        <label htmlFor="message">Message</label>
        <input
          id="message"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          placeholder={
            isHexInput ? 'de ad be ef' : 'Type a line and press Enter'
          }
          disabled={!isOpen}
          autoComplete="off"
          autoFocus
        />
        <button type="submit" disabled={!isOpen || draft.length === 0}>
          Send
        </button>
      </form>

      <fieldset className="row options">
        <legend>Options</legend>
        <label>
          <input
            type="checkbox"
            checked={appendNewline}
            onChange={(event) => setAppendNewline(event.target.checked)}
            disabled={isHexInput}
          />
          Append newline
        </label>
        <label>
          <input
            type="checkbox"
            checked={isHexInput}
            onChange={(event) => setHexInput(event.target.checked)}
          />
          Send hex
        </label>
        <label>
          <input
            type="checkbox"
            checked={isHexView}
            onChange={(event) => setHexView(event.target.checked)}
          />
          Show received as hex
        </label>
        <button type="button" onClick={() => dispatch({ type: 'clear' })}>
          Clear log
        </button>
      </fieldset>
    </main>
  )
}
