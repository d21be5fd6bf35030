import {
  useCallback,
  useEffect,
  useReducer,
  useRef,
  useState,
  type FormEvent,
} from 'react'
import { parseHex, toHex } from './hex.js'
import { emptyLog, logReducer } from './log-model.js'
import { LogView } from './log-view.js'
import {
  DEFAULT_OFFER,
  fetchOffer,
  firstChoice,
  openTargetOf,
  type RelayOffer,
  type TargetChoice,
} from './relay-targets.js'
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
  const [offer, setOffer] = useState<RelayOffer>(DEFAULT_OFFER)
  const [choice, setChoice] = useState<TargetChoice>('default')
  const [customHost, setCustomHost] = useState('')
  const [customPort, setCustomPort] = useState('')
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
    onConnected: ({ host, port, address, route }) =>
      dispatch({
        type: 'system',
        text: `Connected to ${route ? `route ${route}` : host !== undefined ? `${host}:${port}${address !== host ? ` at ${address}` : ''}` : 'the default target'}`,
      }),
    onBytes: (bytes, text) =>
      hexViewRef.current
        ? dispatch({ type: 'received', text: `${toHex(bytes)}\n` })
        : dispatch({ type: 'received', text }),
    onTargetEnded: () =>
      dispatch({
        type: 'system',
        text: 'The target ended its side (FIN); you may still send.',
      }),
    onClose: (message) => dispatch({ type: 'system', text: message }),
    onError: (message) => dispatch({ type: 'error', text: message }),
  })
  const { connect } = relay

  const connectTo = useCallback(
    (relayUrl: string, picked: TargetChoice, host: string, port: string) => {
      const target = openTargetOf(picked, host, port)
      if (target instanceof Error) {
        dispatch({ type: 'error', text: target.message })
        return
      }
      connect(relayUrl, target)
    },
    [connect],
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
      if (first !== 'custom') connectTo(initialUrl.current, first, '', '')
    })
    return () => abort.abort()
  }, [connectTo])

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

  const onPing = () => {
    void relay.ping()?.then(
      (ms) =>
        dispatch({ type: 'system', text: `Round trip to the relay: ${ms} ms` }),
      (err: Error) => dispatch({ type: 'error', text: err.message }),
    )
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
        className="connect"
        onSubmit={(event) => {
          event.preventDefault()
          dispatch({ type: 'system', text: `Connecting to ${url}…` })
          connectTo(url, choice, customHost, customPort)
        }}
      >
        <div className="row">
          <label htmlFor="relay-url">Relay URL</label>
          <input
            id="relay-url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            onBlur={() => void fetchOffer(url).then(setOffer)}
            spellCheck={false}
          />
        </div>
        <div className="row">
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
          {choice === 'custom' && (
            <>
              <label htmlFor="target-host">Host</label>
              <input
                id="target-host"
                className="short"
                value={customHost}
                onChange={(event) => setCustomHost(event.target.value)}
                placeholder="game.example"
                spellCheck={false}
              />
              <label htmlFor="target-port">Port</label>
              <input
                id="target-port"
                className="port"
                value={customPort}
                onChange={(event) => setCustomPort(event.target.value)}
                placeholder="7000"
                inputMode="numeric"
              />
            </>
          )}
          <span className="spacer" />
          <button type="submit" disabled={isBusy}>
            Connect
          </button>
          <button type="button" onClick={relay.disconnect} disabled={!isBusy}>
            Disconnect
          </button>
        </div>
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
        <button type="button" onClick={onPing} disabled={!isOpen}>
          Ping
        </button>
        <button
          type="button"
          onClick={() => {
            relay.end()
            dispatch({
              type: 'system',
              text: 'Sent end: no more data from this side (FIN to the target).',
            })
          }}
          disabled={!isOpen}
        >
          End input
        </button>
        <button type="button" onClick={() => dispatch({ type: 'clear' })}>
          Clear log
        </button>
      </fieldset>
    </main>
  )
}
