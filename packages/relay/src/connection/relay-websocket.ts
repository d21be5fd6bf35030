import { CloseCode, fitCloseReason } from '@wsrelay/protocol'
import type { Duplex } from 'node:stream'
import { WebSocket } from 'ws'

/** ws's error codes for frames it refuses, and what the close reason says. */
const FRAME_ERROR_REASONS: Readonly<Record<string, string>> = {
  WS_ERR_INVALID_UTF8: 'Invalid UTF-8 in a text message or close reason.',
  WS_ERR_INVALID_CLOSE_CODE: 'Invalid close code.',
  WS_ERR_EXPECTED_MASK: 'Client frames must be masked (RFC 6455 5.1).',
  WS_ERR_UNEXPECTED_MASK: 'Unexpected mask.',
  WS_ERR_UNEXPECTED_RSV_1: 'RSV1 set without a negotiated extension.',
  WS_ERR_UNEXPECTED_RSV_2_3: 'RSV2 and RSV3 must be clear.',
  WS_ERR_INVALID_OPCODE: 'Invalid WebSocket frame.',
  WS_ERR_EXPECTED_FIN: 'Control frames must not be fragmented.',
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 'Too many fragments in one message.',
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH:
    'Control frames carry at most 125 bytes.',
}

/**
 * A WebSocket class that sends a close reason where ws sends none. When ws
 * refuses a frame it calls `close(code)` and emits `error` in the same tick;
 * the class holds that close back until the error names the problem, so the
 * browser reads e.g. "Message over the relay's limit of 1048576 bytes
 * (--max-message-size)." instead of a bare 1009. One class per relay, since
 * the limit is the relay's.
 */
export function relayWebSocketClass(maxMessageSize: number): typeof WebSocket {
  return class RelayWebSocket extends WebSocket {
    private heldClose: number | undefined

    override close(code?: number, reason?: string | Buffer): void {
      if (
        code !== undefined &&
        reason === undefined &&
        this.readyState === WebSocket.OPEN
      ) {
        // ws's own refusal of a frame: wait for the error that says why.
        if (this.heldClose === undefined) {
          this.heldClose = code
          this.once('error', this.onHeldError)
          queueMicrotask(() => this.releaseClose(undefined))
        }
        return
      }
      super.close(code, reason)
    }

    private readonly onHeldError = (err: Error & { code?: string }): void => {
      this.releaseClose(err)
    }

    private releaseClose(err: (Error & { code?: string }) | undefined): void {
      const code = this.heldClose
      if (code === undefined) return
      this.heldClose = undefined
      this.off('error', this.onHeldError)
      super.close(code, fitCloseReason(reasonFor(code, err, maxMessageSize)))
    }
  }
}

function reasonFor(
  code: number,
  err: (Error & { code?: string }) | undefined,
  maxMessageSize: number,
): string {
  if (code === CloseCode.MESSAGE_TOO_BIG) {
    return err?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ||
      err === undefined
      ? `Message over the relay's limit of ${maxMessageSize} bytes (--max-message-size).`
      : 'Message too big.'
  }
  if (err?.code && FRAME_ERROR_REASONS[err.code])
    return FRAME_ERROR_REASONS[err.code] ?? ''
  if (code === CloseCode.INVALID_PAYLOAD)
    return 'Invalid UTF-8 in a text message or close reason.'
  return 'Invalid WebSocket frame.'
}

/** ws's error codes for frames it refuses, and the close code it answers with. */
const FRAME_ERROR_CLOSE_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_INVALID_UTF8: CloseCode.INVALID_PAYLOAD,
}

/**
 * The close the relay sent for a frame ws refused: its code and reason, as
 * the browser reads them. The connection records it, so a client that
 * never answers the close is logged with the relay's 1002, not a 1006 of
 * its own.
 */
export function frameErrorClose(
  err: Error & { code?: string },
  maxMessageSize: number,
): { code: number; reason: string } {
  const code =
    FRAME_ERROR_CLOSE_CODES[err.code ?? ''] ?? CloseCode.PROTOCOL_ERROR
  return { code, reason: fitCloseReason(reasonFor(code, err, maxMessageSize)) }
}

interface ReceiverInternals {
  _receiver?: { _bufferedBytes?: number; _messageLength?: number }
}

/**
 * Bytes ws holds for a message it has not finished reading: what a client
 * that stalls mid-message pins in the relay. Read from ws's receiver (ws
 * 8 internals, checked by a test), for the relay-wide memory budget.
 */
export function receiverHeldBytes(ws: WebSocket): number {
  const receiver = (ws as unknown as ReceiverInternals)._receiver
  if (!receiver) return 0
  // Bytes read but not parsed yet (a frame's payload waits here until it is
  // whole), plus the fragments of the message so far. Not _totalPayloadLength:
  // that counts lengths frames declare, not bytes that arrived.
  return (receiver._bufferedBytes ?? 0) + (receiver._messageLength ?? 0)
}

/** The socket under a ws WebSocket (ws 8 keeps it in `_socket`). */
export function socketOf(ws: object): Duplex | undefined {
  return (ws as { _socket?: Duplex })._socket
}
