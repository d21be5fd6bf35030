import type { OpenTarget } from '@wsrelay/client'
import { useCallback, useEffect, useRef, useState } from 'react'
import { Composer, type ComposerHandle } from './composer/composer.js'
import { toHex } from './composer/hex.js'
import { OptionsPanel, type ConsoleOptions } from './composer/options-panel.js'
import { ConnectForm } from './connection/connect-form.js'
import { canSend, isBusy } from './connection/relay-view.js'
import { END_SENT_LINE } from './connection/session-log.js'
import { StatusBar } from './connection/status-bar.js'
import { useRelay } from './connection/use-relay.js'
import { createLogStore } from './log/log-store.js'
import { LogView } from './log/log-view.js'
import { Toolbar } from './log/toolbar.js'

/** Decodes one datagram as UTF-8 (invalid bytes become U+FFFD). */
const DATAGRAM_TEXT = new TextDecoder()

const INITIAL_OPTIONS: ConsoleOptions = {
  lineEnding: 'lf',
  isHexInput: false,
  isHexView: false,
}

/** The console page: status, where to connect, the log, the message box, options. */
export function App() {
  const [log] = useState(createLogStore)
  const [options, setOptions] = useState(INITIAL_OPTIONS)
  const [autoReconnect, setAutoReconnect] = useState(true)
  const composer = useRef<ComposerHandle>(null)

  const isHexViewRef = useRef(options.isHexView)
  useEffect(() => {
    isHexViewRef.current = options.isHexView
  }, [options.isHexView])
  const onReceived = useCallback(
    (bytes: Uint8Array, text: string, at: number, isDatagram: boolean) => {
      log.countReceived(bytes.length)
      if (isDatagram) {
        // A datagram is decoded alone: nothing carries over to the next one.
        log.push({
          type: 'datagram',
          text: isHexViewRef.current
            ? toHex(bytes)
            : DATAGRAM_TEXT.decode(bytes),
          at,
        })
        return
      }
      log.push({
        type: 'received',
        text: isHexViewRef.current ? `${toHex(bytes)}\n` : text,
        at,
      })
    },
    [log],
  )
  const relay = useRelay(log, onReceived, autoReconnect)
  const { view, connect } = relay

  const onConnect = useCallback(
    (url: string, target: OpenTarget | undefined) => {
      log.push({ type: 'system', text: `Connecting to ${url}…` })
      connect(url, target)
    },
    [connect, log],
  )

  // Back to the message box once connected, unless the user is typing elsewhere.
  const isConnected = canSend(view)
  useEffect(() => {
    if (!isConnected) return
    const active = document.activeElement
    const isTypingElsewhere =
      (active instanceof HTMLInputElement && active.id !== 'message') ||
      active instanceof HTMLSelectElement ||
      active instanceof HTMLTextAreaElement
    if (!isTypingElsewhere) composer.current?.focus()
  }, [isConnected])

  return (
    <main className="console">
      <header>
        <h1>wsrelay console</h1>
        <StatusBar view={view} onRetryNow={relay.retryNow} />
      </header>
      <ConnectForm
        isBusy={isBusy(view)}
        autoReconnect={autoReconnect}
        onAutoReconnect={setAutoReconnect}
        onConnect={onConnect}
        onDisconnect={relay.disconnect}
        onInvalidTarget={(text) => log.push({ type: 'error', text })}
      />
      <Toolbar
        store={log}
        rttMs={relay.rttMs}
        isDatagrams={view.transport === 'udp'}
      />
      <LogView store={log} />
      <Composer
        ref={composer}
        canSend={isConnected}
        options={options}
        log={log}
        send={relay.send}
        drain={relay.drain}
      />
      <OptionsPanel
        options={options}
        onChange={setOptions}
        canPing={isConnected}
        canEnd={isConnected}
        onPing={() =>
          void relay.ping().then(
            (ms) =>
              log.push({
                type: 'system',
                text: `Round trip to the relay: ${ms} ms`,
              }),
            (err: Error) => log.push({ type: 'error', text: err.message }),
          )
        }
        onEnd={() => {
          relay.end()
          log.push(END_SENT_LINE)
        }}
      />
    </main>
  )
}
