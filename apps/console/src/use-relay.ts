import {
  connectRelay,
  type ConnectedMessage,
  type OpenTarget,
  type RelayClient,
  type RelayCloseEvent,
} from '@wsrelay/client'
import { useCallback, useEffect, useRef, useState } from 'react'

/** What the page shows as the connection's status: always the truth, never a guess. */
export type ConsoleStatus =
  | { kind: 'idle' }
  | { kind: 'connecting'; isReconnect: boolean }
  | { kind: 'connected' }
  /** The target sent FIN: it will send nothing more; the session is over. */
  | { kind: 'target-ended' }
  | { kind: 'reconnecting'; retryAt?: number; isOffline: boolean }
  | { kind: 'closing' }
  | { kind: 'closed'; close?: RelayCloseEvent }

/** What the relay connection reports to the page. */
export interface RelayCallbacks {
  onConnected(message: ConnectedMessage, isReconnect: boolean): void
  onBytes(bytes: Uint8Array, text: string): void
  onTargetEnded(): void
  onClose(close: RelayCloseEvent): void
  onError(message: string): void
}

/** Reconnect timing for the console: first retry after 1 s, then up to 30 s. */
const RECONNECT = { initialDelayMs: 1000, maxDelayMs: 30_000 } as const
/** Most bytes a paste leaves in the socket's send buffer before waiting: 256 KiB. */
const SEND_BUFFER_BYTES = 256 * 1024
/** How often the round-trip time is measured while connected, in ms. */
export const RTT_INTERVAL_MS = 5000

/** A close the user should see as a failure rather than an ordinary event. */
export function isErrorClose(close: RelayCloseEvent): boolean {
  return close.code !== 1000
}

/**
 * One relay connection at a time, over wsrelay.v1: connecting again closes the
 * previous one, and unmounting closes it (StrictMode mounts twice; no socket
 * may leak). "connected" means the target is connected, not just the socket.
 */
export function useRelay(callbacks: RelayCallbacks, autoReconnect: boolean) {
  const [status, setStatus] = useState<ConsoleStatus>({ kind: 'idle' })
  const [rttMs, setRttMs] = useState<number | undefined>(undefined)
  const clientRef = useRef<RelayClient | undefined>(undefined)
  const unsubscribeRef = useRef<(() => void) | undefined>(undefined)
  const callbacksRef = useRef(callbacks)
  const autoReconnectRef = useRef(autoReconnect)
  /** Whether this page already sent `end` in the current session (sending it twice is a protocol error). */
  const hasClientEndedRef = useRef(false)
  useEffect(() => {
    callbacksRef.current = callbacks
  })
  useEffect(() => {
    autoReconnectRef.current = autoReconnect
    if (clientRef.current) clientRef.current.autoReconnect = autoReconnect
  }, [autoReconnect])

  const drop = useCallback(() => {
    unsubscribeRef.current?.()
    unsubscribeRef.current = undefined
    const client = clientRef.current
    clientRef.current = undefined
    client?.close(1000, 'Console disconnected')
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
        callbacksRef.current.onError((err as Error).message)
        setStatus({ kind: 'closed' })
        return
      }
      client.autoReconnect = autoReconnectRef.current
      clientRef.current = client
      let hasTargetEnded = false
      const offs = [
        client.on('state', ({ from, to, retryInMs, isOffline }) => {
          switch (to) {
            case 'connecting':
              hasTargetEnded = false
              hasClientEndedRef.current = false
              setStatus({ kind: 'connecting', isReconnect: client.session > 1 })
              return
            case 'waiting-to-reconnect':
              setStatus({
                kind: 'reconnecting',
                isOffline,
                retryAt:
                  retryInMs === undefined ? undefined : Date.now() + retryInMs,
              })
              return
            case 'closing':
              setStatus({ kind: 'closing' })
              return
            case 'closed':
              // A close of a live session is reported with its close event.
              if (from === 'waiting-to-reconnect') setStatus({ kind: 'closed' })
              return
            case 'idle':
            case 'open':
              return
          }
        }),
        client.on('open', ({ isReconnect }) => {
          client.open(target).then(
            (connected) => {
              setStatus({ kind: 'connected' })
              callbacksRef.current.onConnected(connected, isReconnect)
            },
            () => undefined, // the close event reports why
          )
        }),
        client.on('message', ({ bytes, text }) =>
          callbacksRef.current.onBytes(bytes, text),
        ),
        client.on('end', () => {
          // The target will send nothing more. A line typed now would vanish
          // (or reset the connection), so end our side too: the relay then
          // closes the session with 1000, and the page offers Connect.
          hasTargetEnded = true
          setStatus({ kind: 'target-ended' })
          callbacksRef.current.onTargetEnded()
          if (client.state === 'open' && !hasClientEndedRef.current) {
            hasClientEndedRef.current = true
            client.end()
          }
        }),
        client.on('error', (err) => {
          // A failed connection is explained by the close event that follows.
          if (err.code !== 'CLIENT_CONNECTION_ERROR')
            callbacksRef.current.onError(err.message)
        }),
        client.on('close', (close) => {
          callbacksRef.current.onClose(close)
          if (close.willReconnect) return
          setStatus(
            hasTargetEnded && close.code === 1000
              ? { kind: 'target-ended' }
              : { kind: 'closed', close },
          )
        }),
      ]
      unsubscribeRef.current = () => offs.forEach((off) => off())
      client.connect()
    },
    [drop],
  )

  /** Closes on request, reporting the close like any other. */
  const disconnect = useCallback(() => {
    clientRef.current?.close(1000, 'Console disconnected')
  }, [])

  const retryNow = useCallback(() => clientRef.current?.retryNow(), [])

  /** Sends if connected; false when not (the caller says so in the log). */
  const send = useCallback((data: string | Uint8Array): boolean => {
    const client = clientRef.current
    if (!client || client.state !== 'open') return false
    client.send(data)
    return true
  }, [])

  /** Resolves once the socket's send buffer is small again (or at once when not connected). */
  const drain = useCallback(async () => {
    const client = clientRef.current
    if (!client || client.state !== 'open') return
    await client.drain(SEND_BUFFER_BYTES).catch(() => undefined)
  }, [])

  const ping = useCallback(async () => {
    const client = clientRef.current
    if (!client || client.state !== 'open') return undefined
    const ms = await client.ping()
    setRttMs(ms)
    return ms
  }, [])

  /** v1 `end`: no more data from this page; the target may still answer. */
  const end = useCallback(() => {
    const client = clientRef.current
    if (!client || client.state !== 'open' || hasClientEndedRef.current)
      return false
    hasClientEndedRef.current = true
    client.end()
    return true
  }, [])

  const isConnected = status.kind === 'connected'
  useEffect(() => {
    if (!isConnected) return
    const measure = () => void ping().catch(() => undefined)
    measure()
    const timer = setInterval(measure, RTT_INTERVAL_MS)
    return () => clearInterval(timer)
  }, [isConnected, ping])

  useEffect(() => drop, [drop])

  return {
    status,
    rttMs,
    connect,
    disconnect,
    retryNow,
    send,
    drain,
    ping,
    end,
  }
}
