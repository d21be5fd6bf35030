import {
  connectRelay,
  type ConnectedMessage,
  type OpenTarget,
  type RelayClient,
  type RelayClientState,
} from '@wsrelay/client'
import { useCallback, useEffect, useRef, useState } from 'react'

/** What the relay connection reports to the page. */
export interface RelayCallbacks {
  onConnected(message: ConnectedMessage): void
  onBytes(bytes: Uint8Array, text: string): void
  onTargetEnded(): void
  onClose(message: string, code: number): void
  onError(message: string): void
}

/**
 * One relay connection at a time, over wsrelay.v1: connecting again closes the
 * previous one, and unmounting closes it (StrictMode mounts twice; no socket
 * may leak). "open" here means the target is connected, not just the socket.
 */
export function useRelay(callbacks: RelayCallbacks) {
  const [state, setState] = useState<RelayClientState | 'idle'>('idle')
  const clientRef = useRef<RelayClient | undefined>(undefined)
  const unsubscribeRef = useRef<(() => void) | undefined>(undefined)
  const callbacksRef = useRef(callbacks)
  useEffect(() => {
    callbacksRef.current = callbacks
  })

  const drop = useCallback(() => {
    unsubscribeRef.current?.()
    unsubscribeRef.current = undefined
    const client = clientRef.current
    clientRef.current = undefined
    if (client && client.state !== 'closed')
      client.close(1000, 'Console disconnected')
  }, [])

  const connect = useCallback(
    (url: string, target?: OpenTarget) => {
      drop()
      let client: RelayClient
      try {
        client = connectRelay(url, { protocol: 'v1' })
      } catch (err) {
        callbacksRef.current.onError((err as Error).message)
        setState('closed')
        return
      }
      clientRef.current = client
      setState('connecting')
      const offs = [
        client.on('open', () => {
          client.open(target).then(
            (connected) => {
              setState('open')
              callbacksRef.current.onConnected(connected)
            },
            () => undefined, // the close event reports why
          )
        }),
        client.on('message', ({ bytes, text }) =>
          callbacksRef.current.onBytes(bytes, text),
        ),
        client.on('end', () => callbacksRef.current.onTargetEnded()),
        client.on('error', (err) => callbacksRef.current.onError(err.message)),
        client.on('close', ({ message, code }) => {
          setState('closed')
          callbacksRef.current.onClose(message, code)
        }),
      ]
      unsubscribeRef.current = () => offs.forEach((off) => off())
    },
    [drop],
  )

  /** Closes on request, reporting the close like any other. */
  const disconnect = useCallback(() => {
    const client = clientRef.current
    if (client && client.state !== 'closed') {
      setState('closing')
      client.close(1000, 'Console disconnected')
    }
  }, [])

  const send = useCallback(
    (data: string | Uint8Array) => clientRef.current?.send(data),
    [],
  )
  const ping = useCallback(() => clientRef.current?.ping(), [])
  const end = useCallback(() => clientRef.current?.end(), [])

  useEffect(() => drop, [drop])

  return { state, connect, disconnect, send, ping, end }
}
