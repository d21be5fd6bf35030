import { ClientError } from '../errors.js'
import type { WebSocketConstructorLike, WebSocketLike } from './types.js'

/** What one session's socket reports to its owner. */
export interface SessionSocketHandlers {
  onOpen(protocol: string): void
  /** Bytes from the target, and their text decoded as a stream for this session. */
  onData(bytes: Uint8Array, text: string): void
  /** v1: a text frame, i.e. a control message. */
  onControl(text: string): void
  onError(): void
  onClose(event: { code: number; reason: string; wasClean: boolean }): void
}

/** One session's WebSocket, from creation to its close event. */
export interface SessionSocket {
  /** Whether the WebSocket opened. */
  readonly wasOpen: boolean
  readonly bufferedAmount: number
  send(data: string | ArrayBufferLike | ArrayBufferView): void
  close(code: number, reason: string): void
}

const encoder = new TextEncoder()

/**
 * Creates the WebSocket and gives it all its handlers in one place (as ws's
 * `setSocket` does), so the session owns exactly one socket from the first
 * byte to the close. Throws CLIENT_INVALID_URL when the WebSocket cannot be
 * created (the browser rejects the URL, or a page on https asks for ws://).
 */
export function openSessionSocket(
  WebSocketCtor: WebSocketConstructorLike,
  url: string,
  protocols: string[],
  isV1: boolean,
  handlers: SessionSocketHandlers,
): SessionSocket {
  let ws: WebSocketLike
  try {
    ws = new WebSocketCtor(url, protocols)
  } catch (err) {
    throw new ClientError(
      'CLIENT_INVALID_URL',
      `Cannot open a WebSocket to "${url}": ${(err as Error).message}`,
      { cause: err },
    )
  }
  ws.binaryType = 'arraybuffer'
  // A new decoder per session: a character cut by a dropped session is not
  // completed by the next one.
  const decoder = new TextDecoder('utf-8')
  let wasOpen = false
  let isClosed = false
  ws.addEventListener('open', () => {
    if (isClosed) return
    wasOpen = true
    handlers.onOpen(ws.protocol)
  })
  ws.addEventListener('message', (event: { data: unknown }) => {
    if (isClosed) return
    if (isV1 && typeof event.data === 'string') {
      handlers.onControl(event.data)
      return
    }
    const bytes =
      typeof event.data === 'string'
        ? encoder.encode(event.data)
        : new Uint8Array(event.data as ArrayBuffer)
    handlers.onData(bytes, decoder.decode(bytes, { stream: true }))
  })
  ws.addEventListener('error', () => {
    if (!isClosed) handlers.onError()
  })
  ws.addEventListener('close', (event) => {
    if (isClosed) return
    isClosed = true
    handlers.onClose(event)
  })
  return {
    get wasOpen() {
      return wasOpen
    },
    get bufferedAmount() {
      return ws.bufferedAmount
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  }
}
