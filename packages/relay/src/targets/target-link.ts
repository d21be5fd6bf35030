import net, { type LookupFunction } from 'node:net'
import type { ChosenTarget } from './target-selection.js'

/**
 * What a connection hears from its target. The connection itself
 * implements it: the link calls these as its methods, so a connection
 * holds no closure per event.
 */
export interface TargetEvents {
  /** The connection to the target is up. */
  onTargetConnect(): void
  /**
   * Bytes from the target. `headroom` bytes in front of `chunk`, in its
   * buffer, are free for the receiver to write (a frame header), so that
   * header and bytes leave in one write. Returns true when the chunk is
   * still referenced after the call (queued behind a slow browser): the link
   * then reads into a new buffer instead of reusing this one.
   */
  onTargetData(chunk: Buffer, headroom: number): boolean
  /** The target will send nothing more (TCP: its FIN). */
  onTargetEnd(): void
  /** Our side is done: every byte and our end went out. */
  onTargetFinish(): void
  onTargetClose(): void
  onTargetError(err: Error): void
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

/** Room in front of every chunk read from a target: a server frame's longest header (RFC 6455 5.2). */
export const READ_HEADROOM_BYTES = 10
/** A new link reads at most this much at once; an idle connection keeps no more (a slice of Node's buffer pool). */
const FIRST_READ_BYTES = 256 - READ_HEADROOM_BYTES
/** A busy link grows its reads to this (the size Node reads with by default). */
const MAX_READ_BYTES = 64 * 1024
/** After this many reads of at most an eighth of the buffer in a row, reads shrink by four. */
const SHRINK_AFTER_SHORT_READS = 8

/** Where a socket's link is kept, so one set of listener functions serves every socket. */
const kLink = Symbol('wsrelay.tcpLink')
type LinkedSocket = net.Socket & { [kLink]: TcpLink }

// Node calls the `onread` callback and emits events with the socket as
// `this`: these are shared by all sockets, no closure per connection.
function onRead(
  this: LinkedSocket,
  length: number,
  buffer: Uint8Array,
): boolean {
  this[kLink].onRead(length, buffer as Buffer)
  return true // keep reading: pausing is the valve's, through pause()
}
function onSocketConnect(this: LinkedSocket): void {
  this[kLink].events.onTargetConnect()
}
function onSocketEnd(this: LinkedSocket): void {
  this[kLink].events.onTargetEnd()
}
function onSocketError(this: LinkedSocket, err: Error): void {
  this[kLink].events.onTargetError(err)
}
function onSocketFinish(this: LinkedSocket): void {
  const link = this[kLink]
  link.isFinished = true
  link.events.onTargetFinish()
}
function onSocketClose(this: LinkedSocket): void {
  const link = this[kLink]
  link.isFinished = true
  clearTimeout(link.lingerTimer)
  link.events.onTargetClose()
}
function destroySocket(socket: net.Socket): void {
  socket.destroy()
}

/**
 * A TCP target link. Node reads into the link's own buffer (`onread`),
 * with headroom for the frame header in front; the same buffer serves the
 * next read whenever the last chunk went out at once, so a busy link
 * allocates nothing per read. It starts small (an idle connection holds 256
 * bytes), grows by four each time a read fills it, to 64 KiB, and shrinks
 * by four after 8 short reads in a row. A chunk still queued for the
 * browser keeps its buffer and the next read gets a new one; a short read
 * (an eighth of the buffer or less) is copied into a buffer of its own
 * size first, so what waits is what the memory budget counts.
 */
class TcpLink implements TargetLink {
  isFinished = false
  lingerTimer: NodeJS.Timeout | undefined
  private readonly socket: net.Socket
  private readSize = FIRST_READ_BYTES
  private readBuffer = Buffer.allocUnsafe(
    READ_HEADROOM_BYTES + FIRST_READ_BYTES,
  )
  private isReadHeld = false
  /** Short reads in a row (see {@link onRead}). */
  private shortReads = 0

  constructor(
    target: ChosenTarget,
    lookup: LookupFunction,
    readonly events: TargetEvents,
  ) {
    // allowHalfOpen: a target's FIN must not end our write side before the
    // browser's last bytes are written; we end it ourselves when done.
    // `onread` is read by the constructor (net.connect passes it there);
    // @types/node lists it only among connect()'s options.
    // Node calls the buffer function with no `this`: it is the link's one closure.
    const socket = new net.Socket({
      allowHalfOpen: true,
      onread: { buffer: () => this.nextReadBuffer(), callback: onRead },
    } as net.SocketConstructorOpts) as LinkedSocket
    socket[kLink] = this
    this.socket = socket
    socket.on('error', onSocketError)
    socket.on('connect', onSocketConnect)
    socket.on('end', onSocketEnd)
    socket.on('finish', onSocketFinish)
    socket.on('close', onSocketClose)
    socket.setNoDelay(true)
    socket.connect({
      host: target.connectTo,
      port: target.port,
      ...(target.isClientChosen ? {} : { lookup }),
    })
  }

  get pendingBytes(): number {
    return this.socket.writableLength
  }

  /** Always 0: Node reads into the link's buffer and hands each read on at once. */
  get readableBytes(): number {
    return this.socket.readableLength
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress
  }

  get isWritable(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded
  }

  /** Node asks for the buffer of the next read. */
  nextReadBuffer(): Buffer {
    if (this.isReadHeld) {
      this.readBuffer = Buffer.allocUnsafe(READ_HEADROOM_BYTES + this.readSize)
      this.isReadHeld = false
    }
    return this.readBuffer.subarray(
      READ_HEADROOM_BYTES,
      READ_HEADROOM_BYTES + this.readSize,
    )
  }

  onRead(length: number, buffer: Buffer): void {
    let chunk: Buffer
    let isOwnBuffer = false
    if (this.readSize > FIRST_READ_BYTES && length <= this.readSize / 8) {
      // A short read in a big buffer would pin all of it while it waits for
      // a slow browser (the budget counts the bytes, not the buffer): it
      // goes on in a buffer of its own size, and the read buffer stays.
      const own = Buffer.allocUnsafe(READ_HEADROOM_BYTES + length)
      buffer.copy(own, READ_HEADROOM_BYTES, 0, length)
      chunk = own.subarray(READ_HEADROOM_BYTES)
      isOwnBuffer = true
      // A link gone quiet shrinks its reads again, down to the first size.
      if (++this.shortReads >= SHRINK_AFTER_SHORT_READS) {
        this.shortReads = 0
        this.readSize = Math.max(FIRST_READ_BYTES, this.readSize / 4)
        this.isReadHeld = true // a smaller buffer for the next read
      }
    } else {
      chunk = length === buffer.length ? buffer : buffer.subarray(0, length)
      this.shortReads = 0
    }
    if (this.events.onTargetData(chunk, READ_HEADROOM_BYTES) && !isOwnBuffer)
      this.isReadHeld = true
    if (length === this.readSize && this.readSize < MAX_READ_BYTES) {
      this.readSize = Math.min(this.readSize * 4, MAX_READ_BYTES)
      this.isReadHeld = true // a bigger buffer for the next read
    }
  }

  write(bytes: Buffer, onWritten?: () => void): void {
    if (onWritten) this.socket.write(bytes, onWritten)
    else this.socket.write(bytes)
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end()
  }

  /** With an `onread` buffer, Node's `pause()` stops the handle at once: no read after this. */
  pause(): void {
    this.socket.pause()
  }

  resume(): void {
    this.socket.resume()
  }

  linger(ms: number): void {
    const socket = this.socket
    if (socket.destroyed) return
    socket.end()
    socket.resume()
    this.lingerTimer = setTimeout(destroySocket, ms, socket)
    this.lingerTimer.unref()
  }

  destroy(): void {
    this.socket.destroy()
  }

  unref(): void {
    this.socket.unref()
  }
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
  return new TcpLink(target, lookup, events)
}
