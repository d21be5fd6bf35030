import {
  connectRelay,
  type OpenTarget,
  type RelayClient,
  type RelayCloseEvent,
  type RelayTargetChange,
} from '@wsrelay/client'
import type { Transport } from '@wsrelay/protocol'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { LogStore } from '../log/log-store.js'
import { NO_CONNECTION, type RelayView } from './relay-view.js'
import {
  closeLine,
  connectedLine,
  droppedLine,
  targetEndedLine,
} from './session-log.js'

/** Reconnect timing for the console: first retry after 1 s, then up to 5 s (a console watches one relay). */
export const RECONNECT = { initialDelayMs: 1000, maxDelayMs: 5000 } as const
/** Most bytes a paste leaves in the socket's send buffer before waiting: 256 KiB. */
const SEND_BUFFER_BYTES = 256 * 1024
/** How often the round-trip time is measured while connected, in ms. */
export const RTT_INTERVAL_MS = 5000
/** The close reason when the user disconnects. */
const DISCONNECT_REASON = 'Console disconnected'

/** What arrives from the target, with the time it arrived; `isDatagram` for one datagram of a UDP target. */
export type ReceivedListener = (
  bytes: Uint8Array,
  text: string,
  at: number,
  isDatagram: boolean,
) => void

/**
 * The console's side of `@wsrelay/client`: one client at a time over
 * wsrelay.v1 (connecting again closes the previous one; unmounting closes it,
 * since StrictMode mounts twice), its events turned into log lines and a
 * {@link RelayView} for the status. The client owns every state; this only
 * passes them on.
 */
export function useRelay(
  log: LogStore,
  onReceived: ReceivedListener,
  autoReconnect: boolean,
) {
  const [view, setView] = useState<RelayView>(NO_CONNECTION)
  const [rttMs, setRttMs] = useState<number | undefined>(undefined)
  const clientRef = useRef<RelayClient | undefined>(undefined)
  const unsubscribeRef = useRef<(() => void) | undefined>(undefined)
  const onReceivedRef = useRef(onReceived)
  const autoReconnectRef = useRef(autoReconnect)
  useEffect(() => {
    onReceivedRef.current = onReceived
  })
  useEffect(() => {
    autoReconnectRef.current = autoReconnect
    if (clientRef.current) clientRef.current.autoReconnect = autoReconnect
  }, [autoReconnect])

  const drop = useCallback(() => {
    unsubscribeRef.current?.()
    unsubscribeRef.current = undefined
    clientRef.current?.close(1000, DISCONNECT_REASON)
    clientRef.current = undefined
  }, [])

  const connect = useCallback(
    (url: string, target?: OpenTarget) => {
      drop()
      let client: RelayClient
      try {
        client = connectRelay(url, {
          protocol: 'v1',
          reconnect: RECONNECT,
          autoConnect: false,
        })
      } catch (err) {
        const error = (err as Error).message
        log.push({ type: 'error', text: error })
        setView({ ...NO_CONNECTION, url, error })
        return
      }
      client.autoReconnect = autoReconnectRef.current
      clientRef.current = client
      // The latest events, read with the client's own states.
      let connectedTo: string | undefined
      let transport: Transport | undefined
      /** The relay's running count of drops for this session, to count the increase. */
      let droppedSoFar = 0
      let lastTargetMove: RelayTargetChange | undefined
      let lastClose: RelayCloseEvent | undefined
      let retryAt: number | undefined
      let isOffline = false
      let error: string | undefined
      const update = () =>
        setView({
          url,
          state: client.state,
          targetState: client.targetState,
          connectedTo,
          transport,
          lastTargetMove,
          lastClose,
          retryAt,
          isOffline,
          error,
        })
      const offs = [
        client.on('state', (change) => {
          if (change.to === 'connecting') {
            connectedTo = undefined
            transport = undefined
            droppedSoFar = 0
            lastTargetMove = undefined
          }
          retryAt =
            change.retryInMs === undefined
              ? undefined
              : Date.now() + change.retryInMs
          isOffline = change.isOffline
          error = change.error?.message
          update()
        }),
        client.on('target', (move) => {
          lastTargetMove = move
          update()
        }),
        client.on('open', ({ isReconnect }) => {
          client.open(target).then(
            (connected) => {
              connectedTo = connected.description
              log.push(connectedLine(connected, isReconnect))
              update()
            },
            () => undefined, // the close event says why
          )
        }),
        client.on('connected', (connected) => {
          // Before any message of the session: the relay sends data only after it.
          transport = connected.transport ?? 'tcp'
        }),
        client.on('message', ({ bytes, text }) =>
          onReceivedRef.current(bytes, text, Date.now(), transport === 'udp'),
        ),
        client.on('dropped', ({ datagrams, bytes }) => {
          log.countDropped(datagrams - droppedSoFar)
          droppedSoFar = datagrams
          log.push(droppedLine(datagrams, bytes))
        }),
        client.on('end', () => {
          log.push(targetEndedLine(lastTargetMove?.from === 'input-ended'))
          // The target sends nothing more; a line typed now would vanish, so
          // end this side too: the relay then closes the session with 1000.
          client.end()
        }),
        client.on('error', (err) => {
          // A failed connection is explained by the close event that follows.
          if (err.code !== 'CLIENT_CONNECTION_ERROR')
            log.push({ type: 'error', text: err.message })
        }),
        client.on('close', (close) => {
          lastClose = close
          log.push(closeLine(close, url))
          update()
        }),
      ]
      unsubscribeRef.current = () => offs.forEach((off) => off())
      client.connect()
    },
    [drop, log],
  )

  /** Closes on request; the close is reported like any other. */
  const disconnect = useCallback(
    () => clientRef.current?.close(1000, DISCONNECT_REASON),
    [],
  )
  const retryNow = useCallback(() => clientRef.current?.retryNow(), [])

  /** Sends bytes; the error's words when the client cannot. */
  const send = useCallback((data: Uint8Array): string | undefined => {
    const client = clientRef.current
    if (!client) return 'The console is not connected; press Connect.'
    try {
      client.send(data)
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  }, [])

  /** Resolves once the send buffer is small again (or at once when there is no session). */
  const drain = useCallback(async () => {
    await clientRef.current?.drain(SEND_BUFFER_BYTES).catch(() => undefined)
  }, [])

  const ping = useCallback(async () => {
    const client = clientRef.current
    if (!client) throw new Error('The console is not connected; press Connect.')
    const ms = await client.ping()
    setRttMs(ms)
    return ms
  }, [])

  /** v1 `end`: no more data from this page; the target may still answer. */
  const end = useCallback(() => clientRef.current?.end(), [])

  const isConnected = view.state === 'open' && view.targetState === 'connected'
  useEffect(() => {
    if (!isConnected) return
    const measure = () => void ping().catch(() => undefined)
    measure()
    const timer = setInterval(measure, RTT_INTERVAL_MS)
    return () => clearInterval(timer)
  }, [isConnected, ping])

  useEffect(() => drop, [drop])

  return { view, rttMs, connect, disconnect, retryNow, send, drain, ping, end }
}

/** What {@link useRelay} gives the page. */
export type Relay = ReturnType<typeof useRelay>
