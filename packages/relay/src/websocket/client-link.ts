import type { Socket } from 'node:net'
import { stopReadingNow } from '../targets/read-stop.js'
import {
  FrameParser,
  Opcode,
  type FrameSink,
  type FrameViolation,
} from './frame-parser.js'
import {
  encodeClose,
  encodeFrame,
  headerLength,
  writeHeader,
} from './frame-writer.js'

/**
 * What a connection hears from its browser. The connection itself
 * implements it: the link calls these as its methods, so a connection
 * holds no closure per event.
 */
export interface ClientEvents {
  /**
   * After each chunk read from the browser has been parsed (its bytes are
   * then held or handed on): the one hook every read passes, where the
   * memory budget admits the next read or stops reading.
   */
  onClientRead(): void
  /** Binary payload: whole messages, or after {@link ClientLink.streamBinary} slices as they arrive. */
  onClientBinary(bytes: Buffer): void
  /** One whole text message (UTF-8 checked). */
  onClientText(bytes: Buffer): void
  /** A WebSocket ping: the connection answers with {@link ClientLink.pong}. */
  onClientPing(payload: Buffer): void
  onClientPong(): void
  /** The browser broke RFC 6455 or a limit: the link is closing with `violation.code`. */
  onClientViolation(violation: FrameViolation): void
  onClientError(err: Error): void
  /**
   * The socket is closed, both ways: the browser's close code (1005 when
   * its close frame had none, 1006 when it sent none, the violation's code
   * when it broke the protocol) and reason.
   */
  onClientClose(code: number, reason: string): void
}

/**
 * The browser's side of a connection, as the connection and its data path
 * see it (the target's side is `TargetLink`): {@link WebSocketLink} over
 * the upgraded socket, or a fake in unit tests.
 */
export interface ClientLink {
  /** True until the relay or the browser starts closing. */
  readonly isOpen: boolean
  /** Bytes written to the browser and not yet handed to the kernel. */
  readonly bufferedAmount: number
  /** Bytes read from the browser and held until a frame or text message is whole. */
  readonly heldBytes: number
  /** Bytes the socket read and the link has not parsed yet (a paused socket's buffer). */
  readonly readableBytes: number
  /**
   * One binary frame; `onWritten` runs once it is handed to the kernel (or
   * dropped on close). With `headroom`, that many bytes in front of `bytes`
   * (in its buffer) may be overwritten by the header. Returns true when the
   * frame is still queued (`bytes` stays referenced).
   */
  send(bytes: Buffer, onWritten?: () => void, headroom?: number): boolean
  sendText(text: string, onWritten?: () => void): void
  ping(): void
  pong(payload: Buffer, onWritten?: () => void): void
  /**
   * Binary payload as it arrives (`true`: a byte-stream target, or a v1
   * session before its open) or as whole messages (`false`, the default: a
   * datagram target sends each as one datagram). See `FrameParser.streamBinary`.
   */
  streamBinary(isStreaming: boolean): void
  pause(): void
  /** Stops reading now, before the socket's next read (the memory budget); `resume` starts again. */
  stopReading(): void
  resume(): void
  /** The closing handshake, behind every queued frame; `undefined` sends a close frame with no code. */
  close(code: number | undefined, reason?: string): void
  /** Cuts the socket at once. */
  terminate(): void
}

/** Makes a connection's client link, given the events it reports to. */
export type OpenClientLink = (events: ClientEvents) => ClientLink

/** Settings of one link. */
export interface ClientLinkSettings {
  /** Largest message accepted; larger ones close 1009. */
  readonly maxMessageSize: number
  /** How long the closing handshake may take before the socket is cut. */
  readonly closeTimeout: number
}

/** Payloads up to this size are sent as one buffer with their header (a copy is cheaper than a writev). */
const COPY_UP_TO_BYTES = 1024

const PING_FRAME = encodeFrame(Opcode.PING, Buffer.alloc(0))
const EMPTY_CLOSE_FRAME = encodeFrame(Opcode.CLOSE, Buffer.alloc(0))

const OPEN = 0
const CLOSING = 1
const CLOSED = 2

/** Where a socket's link is kept, so one set of listener functions serves every socket. */
const kLink = Symbol('wsrelay.webSocketLink')
type LinkedSocket = Socket & { [kLink]: WebSocketLink }

// Node emits socket events with the socket as `this`: these listeners are
// shared by all sockets, no closure per connection (ws does the same).
function onSocketData(this: LinkedSocket, chunk: Buffer): void {
  this[kLink].onData(chunk)
}
function onSocketEnd(this: LinkedSocket): void {
  this[kLink].onSocketEnd()
}
function onSocketError(this: LinkedSocket, err: Error): void {
  this[kLink].onSocketError(err)
}
function onSocketClose(this: LinkedSocket): void {
  this[kLink].onSocketClose()
}
function destroySocket(socket: Socket): void {
  socket.destroy()
}

/**
 * The browser's side of one connection once the handshake is done: owns
 * the socket from the upgrade to its close. Frames from the browser go
 * through a {@link FrameParser}; binary payload reaches the connection as
 * slices of what the socket read, unmasked in place. Frames to the browser
 * are written as a 2-10 byte header and the payload together (one writev,
 * or one small buffer), with no message queue of its own: what waits is
 * the socket's, and `bufferedAmount` reads it. The closing handshake
 * follows RFC 6455 7 as ws does: the close frame goes out behind every
 * queued byte, the socket is ended once both close frames have passed (or
 * the browser broke the protocol), and cut after `closeTimeout`.
 */
export class WebSocketLink implements ClientLink, FrameSink {
  private state = OPEN
  private readonly parser: FrameParser
  private isCloseSent = false
  private isCloseReceived = false
  private isViolated = false
  private code = 1006
  private reason = ''
  private closeTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly socket: Socket,
    head: Buffer,
    private readonly settings: ClientLinkSettings,
    private readonly events: ClientEvents,
  ) {
    this.parser = new FrameParser(settings.maxMessageSize, this)
    ;(socket as LinkedSocket)[kLink] = this
    socket.on('error', onSocketError)
    socket.on('close', onSocketClose)
    socket.on('end', onSocketEnd)
    socket.setTimeout(0)
    socket.setNoDelay(true)
    // Bytes that came with the upgrade request are read first, on the
    // stream's next turn (never inside the caller's constructor).
    if (head.length > 0) socket.unshift(head)
    socket.on('data', onSocketData)
  }

  /** True until the relay or the browser starts closing. */
  get isOpen(): boolean {
    return this.state === OPEN
  }

  /** Bytes written to the browser and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength
  }

  /** Bytes read from the browser and held until a frame or text message is whole. */
  get heldBytes(): number {
    return this.parser.heldBytes
  }

  /** Bytes the socket read and the link has not parsed yet (a paused socket's buffer). */
  get readableBytes(): number {
    return this.socket.readableLength
  }

  send(bytes: Buffer, onWritten?: () => void, headroom = 0): boolean {
    if (this.state !== OPEN) return false
    const length = bytes.length
    const size = headerLength(length)
    const socket = this.socket
    if (headroom >= size) {
      // The header goes in front of the bytes: one buffer, one write.
      const frame = Buffer.from(
        bytes.buffer,
        bytes.byteOffset - size,
        size + length,
      )
      writeHeader(frame, 0, Opcode.BINARY, length)
      socket.write(frame, onWritten)
    } else if (length <= COPY_UP_TO_BYTES) {
      const frame = Buffer.allocUnsafe(size + length)
      writeHeader(frame, 0, Opcode.BINARY, length)
      bytes.copy(frame, size)
      socket.write(frame, onWritten)
    } else {
      const header = Buffer.allocUnsafe(size)
      writeHeader(header, 0, Opcode.BINARY, length)
      // One writev: the header and the payload as it came, no copy.
      socket.cork()
      socket.write(header)
      socket.write(bytes, onWritten)
      socket.uncork()
    }
    // Written at once (the common case) unless something is still queued.
    return socket.writableLength > 0
  }

  /** Sends one text frame. */
  sendText(text: string, onWritten?: () => void): void {
    if (this.state !== OPEN) return
    this.socket.write(
      encodeFrame(Opcode.TEXT, Buffer.from(text, 'utf8')),
      onWritten,
    )
  }

  ping(): void {
    if (this.state === OPEN) this.socket.write(PING_FRAME)
  }

  /** Answers a ping with its payload (RFC 6455 5.5.3). */
  pong(payload: Buffer, onWritten?: () => void): void {
    if (this.state !== OPEN) return
    this.socket.write(encodeFrame(Opcode.PONG, payload), onWritten)
  }

  pause(): void {
    // Backpressure holds while closing too (a browser that floods and never
    // answers our close must not fill the target's queue); once its close
    // frame or a violation ended parsing, `readToEnd` reads on to the FIN.
    if (!this.parser.isDone) this.socket.pause()
  }

  streamBinary(isStreaming: boolean): void {
    this.parser.streamBinary(isStreaming)
  }

  /** Even while closing: a budget pause holds until the budget lifts it. */
  stopReading(): void {
    stopReadingNow(this.socket)
  }

  resume(): void {
    this.socket.resume()
  }

  /**
   * Starts the closing handshake: the close frame goes out behind every
   * queued frame; the socket is ended once the browser's close frame has
   * come (or right away after a violation) and cut after `closeTimeout`.
   */
  close(code: number | undefined, reason = ''): void {
    if (this.state === CLOSED) return
    if (this.state === CLOSING) {
      if (this.isCloseSent && (this.isCloseReceived || this.isViolated))
        this.socket.end()
      return
    }
    this.state = CLOSING
    const frame =
      code === undefined ? EMPTY_CLOSE_FRAME : encodeClose(code, reason)
    this.socket.write(frame, (err?: Error | null) => {
      if (err) return // the socket's 'error' listener has it
      this.isCloseSent = true
      if (this.isCloseReceived || this.isViolated) this.socket.end()
    })
    this.armCloseTimer()
  }

  /** The socket is cut `closeTimeout` after the closing starts, whoever started it. */
  private armCloseTimer(): void {
    if (this.closeTimer) return
    this.closeTimer = setTimeout(
      destroySocket,
      this.settings.closeTimeout,
      this.socket,
    )
    this.closeTimer.unref()
  }

  /** Cuts the socket at once. */
  terminate(): void {
    this.socket.destroy()
  }

  // ---- the parser's sink -------------------------------------------------

  onBinary(bytes: Buffer): void {
    this.events.onClientBinary(bytes)
  }

  onText(bytes: Buffer): void {
    this.events.onClientText(bytes)
  }

  onPing(payload: Buffer): void {
    this.events.onClientPing(payload)
  }

  onPong(): void {
    this.events.onClientPong()
  }

  /** The browser's close frame: answer it (echoing its code and reason) and end once ours is out. */
  onClose(code: number, reason: string): void {
    this.isCloseReceived = true
    this.code = code
    this.reason = reason
    this.readToEnd()
    // The echo carries the browser's code and reason (RFC 6455 5.5.1), as ws sends it.
    this.close(code === 1005 ? undefined : code, reason)
  }

  onViolation(violation: FrameViolation): void {
    this.isViolated = true
    this.code = violation.code
    this.reason = violation.reason
    this.readToEnd()
    this.events.onClientViolation(violation)
    this.close(violation.code, violation.reason)
  }

  // ---- the socket --------------------------------------------------------

  onData(chunk: Buffer): void {
    this.parser.push(chunk)
    this.events.onClientRead()
  }

  /** Nothing more is parsed; reading goes on so the browser's FIN (and the close) arrive. */
  private readToEnd(): void {
    this.socket.off('data', onSocketData)
    this.socket.resume()
  }

  onSocketEnd(): void {
    // The browser's FIN: end ours behind what is queued (ws does the same).
    // A browser that sends FIN and never reads what is queued must not hold
    // the socket: it is cut after `closeTimeout`, as any closing is.
    this.state = CLOSING
    this.socket.end()
    this.armCloseTimer()
  }

  onSocketError(err: Error): void {
    this.events.onClientError(err)
    this.socket.destroy()
  }

  onSocketClose(): void {
    clearTimeout(this.closeTimer)
    // Bytes the browser sent while the relay had stopped reading it still
    // count: they wait in the socket's buffer, and go through the parser
    // (ws reads them the same way).
    const socket = this.socket
    if (!this.parser.isDone && socket.readableLength > 0) {
      const rest = socket.read(socket.readableLength) as Buffer | null
      if (rest) this.parser.push(rest)
    }
    this.parser.stop()
    this.state = CLOSED
    this.events.onClientClose(this.code, this.reason)
  }
}
