import net, { type LookupFunction } from 'node:net'
import { stopReadingNow } from './read-stop.js'
import type { ChosenTarget } from './target-selection.js'

/** What a connection hears from its target. */
export interface TargetEvents {
  /** The connection to the target is up. */
  readonly onConnect: () => void
  readonly onData: (chunk: Buffer) => void
  /** The target will send nothing more (TCP: its FIN). */
  readonly onEnd: () => void
  /** Our side is done: every byte and our end went out. */
  readonly onFinish: () => void
  readonly onClose: () => void
  readonly onError: (err: Error) => void
}

/**
 * One session's socket to its target, owned from the connect to the close.
 * The connection and its data path talk only to this face, so another
 * transport (a connected datagram socket: one message, one datagram) can
 * stand behind it.
 */
export interface TargetLink {
  /** Bytes written and not yet handed to the kernel. */
  readonly pendingBytes: number
  /** Bytes read from the target and not yet handed on (a paused socket's buffer). */
  readonly readableBytes: number
  /** The address connected to, once connected. */
  readonly remoteAddress: string | undefined
  /** True once our side is done (every byte and our end went out) or the socket is gone. */
  readonly isFinished: boolean
  /** True while bytes can still be written (not ended, not destroyed). */
  readonly isWritable: boolean
  /** Writes bytes; `onWritten` runs once they (and all before them) are handed to the kernel. */
  write(bytes: Buffer, onWritten?: () => void): void
  /** No more bytes from the browser: end our side after what is queued. */
  end(): void
  /** Stops reading the target now, before its next read. */
  pause(): void
  resume(): void
  /**
   * The browser is gone: end our side after what is queued, drop what the
   * target still sends, and destroy the socket if it is not closed within
   * `ms`.
   */
  linger(ms: number): void
  /** Cuts the socket at once. */
  destroy(): void
  /** The session is over: the socket must not keep the process alive. */
  unref(): void
}

/**
 * Opens a TCP connection to the chosen target: a client-chosen one at the
 * address that was checked (no second DNS lookup), the operator's through
 * `lookup` (its cached names). Every listener is attached before the first
 * event.
 */
export function openTargetLink(
  target: ChosenTarget,
  lookup: LookupFunction,
  events: TargetEvents,
): TargetLink {
  // allowHalfOpen: a target's FIN must not end our write side before the
  // browser's last bytes are written; we end it ourselves when done.
  const socket = net.connect({
    host: target.connectTo,
    port: target.port,
    allowHalfOpen: true,
    noDelay: true,
    ...(target.isClientChosen ? {} : { lookup }),
  })
  let isFinished = false
  let lingerTimer: NodeJS.Timeout | undefined
  socket.on('error', events.onError)
  socket.on('connect', events.onConnect)
  socket.on('data', events.onData)
  socket.on('end', events.onEnd)
  socket.on('finish', () => {
    isFinished = true
    events.onFinish()
  })
  socket.on('close', () => {
    isFinished = true
    clearTimeout(lingerTimer)
    events.onClose()
  })
  return {
    get pendingBytes() {
      return socket.writableLength
    },
    get readableBytes() {
      return socket.readableLength
    },
    get remoteAddress() {
      return socket.remoteAddress
    },
    get isFinished() {
      return isFinished
    },
    get isWritable() {
      return !socket.destroyed && !socket.writableEnded
    },
    write(bytes, onWritten) {
      if (onWritten) socket.write(bytes, onWritten)
      else socket.write(bytes)
    },
    end() {
      if (!socket.destroyed) socket.end()
    },
    pause: () => stopReadingNow(socket),
    resume: () => socket.resume(),
    linger(ms) {
      if (socket.destroyed) return
      socket.end()
      socket.resume()
      lingerTimer = setTimeout(() => socket.destroy(), ms)
      lingerTimer.unref()
    },
    destroy: () => socket.destroy(),
    unref: () => socket.unref(),
  }
}
