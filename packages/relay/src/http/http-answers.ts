import http from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from '../observability/logger.js'

/** 1 s for a refused HTTP client to read its answer before its socket is destroyed. */
export const REFUSED_SOCKET_GRACE_MS = 1000

/**
 * Ends a socket with a final answer, reads (and drops) whatever the client
 * still sends so its FIN or reset is seen, and destroys it after a short
 * grace: a half-open socket must not keep its descriptor. With no grace
 * (the relay is short of descriptors) it goes once the answer is out.
 */
export function endAndForget(
  socket: Duplex,
  text: string,
  graceMs = REFUSED_SOCKET_GRACE_MS,
): void {
  socket.on('data', () => undefined)
  socket.resume()
  if (graceMs === 0) {
    socket.end(text, () => socket.destroy())
    return
  }
  socket.end(text)
  setTimeout(() => socket.destroy(), graceMs).unref()
}

/** Answers an upgrade the relay refuses with `status` and a one-line text body. */
export function answerUpgradeRefusal(
  socket: Duplex,
  status: number,
  message: string,
  graceMs = REFUSED_SOCKET_GRACE_MS,
): void {
  const body = `${message}\n`
  endAndForget(
    socket,
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    graceMs,
  )
}

/** A request head that took too long: 408 and gone, as Node answers one. */
export function answerRequestTimeout(socket: Duplex): void {
  endAndForget(
    socket,
    `HTTP/1.1 408 ${http.STATUS_CODES[408] ?? ''}\r\nConnection: close\r\n\r\n`,
    0,
  )
}

/**
 * Node's `clientError`: a request that is malformed, too large or too slow
 * (the handshake timeout) is answered (408, 431 or 400) and dropped; it
 * must never crash the relay.
 */
export function answerClientError(
  log: Logger,
  graceMs: () => number = () => REFUSED_SOCKET_GRACE_MS,
): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => {
    log.debug({ err: err.code }, 'http client error')
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? 431
          : 400
    if (socket.writable) {
      endAndForget(
        socket,
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n\r\n`,
        graceMs(),
      )
    } else socket.destroy()
  }
}
