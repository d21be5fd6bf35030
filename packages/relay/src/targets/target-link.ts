import net from 'node:net'
import type { ChosenTarget } from './target-selection.js'

/** What a connection hears from its target. */
export interface TargetEvents {
  /** The connection to the target is up. */
  readonly onConnect: () => void
  /**
   * Bytes from the target. `headroom` bytes in front of `chunk`, in its
   * buffer, are free for the receiver to write (a frame header), so that
   * header and bytes leave in one write. Returns true when the chunk is
   * still referenced after the call (queued behind a slow browser): the link
   * then reads into a new buffer instead of reusing this one.
   */
  readonly onData: (chunk: Buffer, headroom: number) => boolean
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

/** Room in front of every chunk read from a target: a server frame's longest header (RFC 6455 5.2). */
export const READ_HEADROOM_BYTES = 10
/** A new link reads at most this much at once; an idle connection keeps no more. */
const FIRST_READ_BYTES = 2048 - READ_HEADROOM_BYTES
/** A busy link grows its reads to this (the size Node reads with by default). */
const MAX_READ_BYTES = 64 * 1024

/**
 * The link's read buffer. Node reads into it (`onread`), with headroom for
 * the frame header in front; the same buffer serves the next read whenever
 * the last chunk went out at once, so a busy link allocates nothing per
 * read. It starts small (an idle connection holds 2 KiB) and grows by four
 * each time a read fills it. A chunk still queued for the browser keeps its
 * buffer; the next read gets a new one.
 */
class ReadBuffer {
  private size = FIRST_READ_BYTES
  private buffer = Buffer.allocUnsafe(READ_HEADROOM_BYTES + this.size)
  private isHeld = false

  /** Node asks for the buffer of the next read. */
  readonly next = (): Buffer => {
    if (this.isHeld) {
      this.buffer = Buffer.allocUnsafe(READ_HEADROOM_BYTES + this.size)
      this.isHeld = false
    }
    return this.buffer.subarray(
      READ_HEADROOM_BYTES,
      READ_HEADROOM_BYTES + this.size,
    )
  }

  /** A read of `length` bytes is done; `isHeld` when its chunk is still referenced. */
  done(length: number, isHeld: boolean): void {
    if (length === this.size && this.size < MAX_READ_BYTES) {
      this.size = Math.min(this.size * 4, MAX_READ_BYTES)
      this.isHeld = true // a bigger buffer for the next read
    }
    if (isHeld) this.isHeld = true
  }
}

/**
 * Opens a TCP connection to the chosen target (its checked address: no
 * second DNS lookup). Every listener is attached before the first event.
 */
export function openTargetLink(
  target: ChosenTarget,
  events: TargetEvents,
): TargetLink {
  const reads = new ReadBuffer()
  // allowHalfOpen: a target's FIN must not end our write side before the
  // browser's last bytes are written; we end it ourselves when done.
  const socket = net.connect({
    host: target.connectTo,
    port: target.port,
    allowHalfOpen: true,
    noDelay: true,
    onread: {
      buffer: reads.next,
      callback: (length: number, buffer: Uint8Array) => {
        const chunk = buffer as Buffer
        reads.done(
          length,
          events.onData(
            length === chunk.length ? chunk : chunk.subarray(0, length),
            READ_HEADROOM_BYTES,
          ),
        )
        return true // keep reading: pausing is the valve's, through pause()
      },
    },
  })
  let isFinished = false
  let lingerTimer: NodeJS.Timeout | undefined
  socket.on('error', events.onError)
  socket.on('connect', events.onConnect)
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
    pause: () => socket.pause(),
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
