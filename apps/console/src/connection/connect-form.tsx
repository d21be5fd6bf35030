import type { OpenTarget } from '@wsrelay/client'
import type { Transport } from '@wsrelay/protocol'
import { useEffect, useRef, useState } from 'react'
import { Check, TextField } from '../controls.js'
import {
  DEFAULT_OFFER,
  fetchOffer,
  firstChoice,
  openTargetOf,
  transportNote,
  transportOfChoice,
  type RelayOffer,
  type TargetChoice,
} from './relay-targets.js'

/** Same origin at /relay, so the page works behind `pnpm dev` and `wsrelay --web`. */
function defaultRelayUrl(): string {
  const fromQuery = new URLSearchParams(window.location.search).get('url')
  if (fromQuery) return fromQuery
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/relay`
}

/**
 * Where to connect: the relay URL, the targets it offers (GET /routes, UDP
 * ones marked), a host, port and transport when the relay lets the page
 * choose; Connect, Disconnect and Auto-reconnect. On load it connects to
 * the first target offered.
 */
export function ConnectForm({
  isBusy,
  autoReconnect,
  onAutoReconnect,
  onConnect,
  onDisconnect,
  onInvalidTarget,
}: {
  isBusy: boolean
  autoReconnect: boolean
  onAutoReconnect: (value: boolean) => void
  onConnect: (url: string, target: OpenTarget | undefined) => void
  onDisconnect: () => void
  onInvalidTarget: (message: string) => void
}) {
  const [url, setUrl] = useState(defaultRelayUrl)
  const [offer, setOffer] = useState<RelayOffer>(DEFAULT_OFFER)
  const [choice, setChoice] = useState<TargetChoice>('default')
  const [host, setHost] = useState('')
  const [port, setPort] = useState('')
  const [customTransport, setCustomTransport] = useState<Transport>('tcp')
  const customTransports = offer.clientChosenTransports ?? ['tcp']
  const transport =
    choice === 'custom'
      ? customTransports.includes(customTransport)
        ? customTransport
        : (customTransports[0] ?? 'tcp')
      : transportOfChoice(offer, choice)

  // On load: ask the relay what it offers, then connect to the first target.
  const initial = useRef({ url, onConnect })
  useEffect(() => {
    const abort = new AbortController()
    const { url: initialUrl, onConnect: connect } = initial.current
    void fetchOffer(initialUrl, abort.signal).then((found) => {
      if (abort.signal.aborted) return
      const first = firstChoice(found)
      setOffer(found)
      setChoice(first)
      if (first === 'custom') return
      const target = openTargetOf(
        first,
        '',
        '',
        transportOfChoice(found, first),
      )
      if (!(target instanceof Error)) connect(initialUrl, target)
    })
    return () => abort.abort()
  }, [])

  return (
    <form
      className="connect"
      onSubmit={(event) => {
        event.preventDefault()
        const target = openTargetOf(choice, host, port, transport)
        if (target instanceof Error) onInvalidTarget(target.message)
        else onConnect(url, target)
      }}
    >
      <TextField
        id="relay-url"
        label="Relay URL"
        className="wide"
        value={url}
        onValue={setUrl}
        onBlur={() => void fetchOffer(url).then(setOffer)}
        spellCheck={false}
      />
      <div className="field">
        <label htmlFor="target">Target</label>
        <select
          id="target"
          value={choice}
          onChange={(event) => setChoice(event.target.value)}
        >
          {offer.defaultTarget && (
            <option value="default">
              Default target{transportNote(offer.defaultTransport ?? 'tcp')}
            </option>
          )}
          {offer.routes.map((name) => (
            <option key={name} value={`route:${name}`}>
              Route: {name}
              {transportNote(offer.transports?.[name] ?? 'tcp')}
            </option>
          ))}
          {offer.clientChosenTargets && (
            <option value="custom">Custom host:port…</option>
          )}
        </select>
      </div>
      {choice === 'custom' && (
        <>
          <TextField
            id="target-host"
            label="Host"
            value={host}
            onValue={setHost}
            placeholder="game.example"
            spellCheck={false}
          />
          <TextField
            id="target-port"
            label="Port"
            className="port"
            value={port}
            onValue={setPort}
            placeholder="7000"
            inputMode="numeric"
          />
          {customTransports.length > 1 && (
            <div className="field">
              <label htmlFor="target-transport">Transport</label>
              <select
                id="target-transport"
                value={transport}
                onChange={(event) =>
                  setCustomTransport(event.target.value as Transport)
                }
              >
                <option value="tcp">TCP</option>
                <option value="udp">UDP</option>
              </select>
            </div>
          )}
        </>
      )}
      <div className="buttons">
        <button type="submit" disabled={isBusy}>
          Connect
        </button>
        <button type="button" onClick={onDisconnect} disabled={!isBusy}>
          Disconnect
        </button>
        <Check
          label="Auto-reconnect"
          checked={autoReconnect}
          onChecked={onAutoReconnect}
        />
      </div>
    </form>
  )
}
