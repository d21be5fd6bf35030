import { isUtf8 } from 'node:buffer'
import { unmask } from './mask.js'

/** RFC 6455 5.2 opcodes. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const

/**
 * Why the parser failed the connection. The names are ws's (`WS_ERR_*`), so
 * a log line reads the same whichever layer refused the frame.
 */
export type FrameErrorCode =
  | 'WS_ERR_UNEXPECTED_RSV_1'
  | 'WS_ERR_UNEXPECTED_RSV_2_3'
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_EXPECTED_FIN'
  | 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'
  | 'WS_ERR_EXPECTED_MASK'
  | 'WS_ERR_INVALID_PAYLOAD_LENGTH'
  | 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
  | 'WS_ERR_TOO_MANY_BUFFERED_PARTS'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_UTF8'

/** A frame the relay refuses: the close code and reason it answers with (RFC 6455 7.1.7). */
export interface FrameViolation {
  /** 1002 protocol error, 1007 invalid UTF-8, 1008 too many fragments, 1009 too big. */
  readonly code: 1002 | 1007 | 1008 | 1009
  readonly reason: string
  readonly errorCode: FrameErrorCode
}

/** Where the parser delivers what it reads. Each call happens inside {@link FrameParser.push}. */
export interface FrameSink {
  /**
   * Binary payload, unmasked in place. Until {@link FrameParser.streamBinary},
   * one whole message per call (an empty one too), as text is delivered;
   * after it, the bytes as they arrive: one message may come as many
   * slices, each a view into the chunk the socket delivered (never copied).
   */
  onBinary(bytes: Buffer): void
  /** One whole text message, checked to be UTF-8. */
  onText(bytes: Buffer): void
  onPing(payload: Buffer): void
  onPong(payload: Buffer): void
  /** The peer's close frame: its code (1005 when it sent none) and reason. Nothing after it is read. */
  onClose(code: number, reason: string): void
  /** The peer broke RFC 6455 or a limit. Nothing after it is read. */
  onViolation(violation: FrameViolation): void
}

/** ws's default: a message in more parts than this is refused (1008), as before. */
export const MAX_FRAGMENTS = 16 * 1024
/** RFC 6455 5.5: control frames carry at most 125 bytes. */
const MAX_CONTROL_PAYLOAD = 125
/** Largest header: 2 bytes, a 64-bit length, a 4-byte mask. */
const MAX_HEADER_BYTES = 14

const READING_HEADER = 0
const READING_PAYLOAD = 1
/** After a close frame or a violation: nothing more is read. */
const DONE = 2

const EMPTY = Buffer.alloc(0)
/** The rotated mask for one unmask call (filled right before it; the parser runs synchronously). */
const MASK = Buffer.alloc(4)

/**
 * RFC 6455 close codes a peer may send (7.4.1, 7.4.2 and the IANA registry):
 * 1000-1003, 1007-1014 and the 3000-4999 ranges; 1004-1006 and 1015 are
 * reserved or never sent on the wire.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 &&
      code <= 1014 &&
      code !== 1004 &&
      code !== 1005 &&
      code !== 1006) ||
    (code >= 3000 && code <= 4999)
  )
}

const violation = (
  code: FrameViolation['code'],
  errorCode: FrameErrorCode,
  reason: string,
): FrameViolation => ({ code, reason, errorCode })

/** Violations that do not depend on settings, built once. */
const VIOLATIONS = {
  rsv1: violation(
    1002,
    'WS_ERR_UNEXPECTED_RSV_1',
    'RSV1 set without a negotiated extension.',
  ),
  rsv23: violation(
    1002,
    'WS_ERR_UNEXPECTED_RSV_2_3',
    'RSV2 and RSV3 must be clear.',
  ),
  orphanContinuation: violation(
    1002,
    'WS_ERR_INVALID_OPCODE',
    'A continuation frame with no message to continue.',
  ),
  interleaved: violation(
    1002,
    'WS_ERR_INVALID_OPCODE',
    'A new message began before the fragmented one ended.',
  ),
  fragmentedControl: violation(
    1002,
    'WS_ERR_EXPECTED_FIN',
    'Control frames must not be fragmented.',
  ),
  controlTooLong: violation(
    1002,
    'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    'Control frames carry at most 125 bytes.',
  ),
  closeOfOneByte: violation(
    1002,
    'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    'A close frame carries no payload or a 2-byte code first.',
  ),
  unmasked: violation(
    1002,
    'WS_ERR_EXPECTED_MASK',
    'Client frames must be masked (RFC 6455 5.1).',
  ),
  lengthTopBit: violation(
    1002,
    'WS_ERR_INVALID_PAYLOAD_LENGTH',
    'A 64-bit payload length must have its top bit clear (RFC 6455 5.2).',
  ),
  tooManyFragments: violation(
    1008,
    'WS_ERR_TOO_MANY_BUFFERED_PARTS',
    'Too many fragments in one message.',
  ),
  closeCode: violation(
    1002,
    'WS_ERR_INVALID_CLOSE_CODE',
    'Invalid close code.',
  ),
  utf8: violation(
    1007,
    'WS_ERR_INVALID_UTF8',
    'Invalid UTF-8 in a text message or close reason.',
  ),
} as const

/**
 * A server's reader of RFC 6455 frames (section 5), fed chunks as they come
 * off the socket. Binary payload is unmasked in place and handed on slice by
 * slice, without assembling a message or copying a byte; text messages (and
 * control frames split across chunks) are gathered, bounded by the message
 * limit, so they can be checked as UTF-8 whole. It refuses what the RFC
 * says to fail the connection for: unmasked client frames, RSV bits without
 * an extension, reserved opcodes, fragmented or oversized control frames,
 * continuation without a start and data frames inside a fragmented message,
 * a 64-bit length with its top bit set, invalid close codes, invalid UTF-8
 * in text and close reasons; and messages over `maxMessageSize` (1009,
 * decided from the header, before the payload arrives). Lengths need not be
 * minimal: the RFC asks senders for that, and ws accepts them too.
 */
export class FrameParser {
  private state = READING_HEADER
  /** Header bytes that arrived split across chunks (rare: allocated on first need). */
  private partial: Buffer | undefined
  private partialLength = 0

  private isFin = false
  private opcode = 0
  private remaining = 0
  /** The frame's masking key, big-endian in one number. */
  private maskKey = 0
  /** How many payload bytes of this frame are unmasked, mod 4. */
  private maskOffset = 0

  /** The opcode of the fragmented message in progress (text or binary), else 0. */
  private messageOpcode = 0
  /** Payload bytes the frames of this message declared so far. */
  private messageBytes = 0
  private fragments = 0

  /** The payload length this frame declared. */
  private frameLength = 0

  /** Binary payload goes on as it arrives, not as whole messages (see {@link streamBinary}). */
  private isStreaming = false
  /** The message in progress streams (set at its first frame, or when streaming starts in it). */
  private isMessageStreaming = false
  /** A text message (or, until streaming, a binary one) being gathered across frames or chunks. */
  private text: Buffer | undefined
  private textLength = 0
  /** A control payload split across chunks. */
  private control: Buffer | undefined
  private controlLength = 0

  constructor(
    private readonly maxMessageSize: number,
    private readonly sink: FrameSink,
  ) {}

  /** Bytes read and held until a frame or message is whole: what a peer that stalls mid-message pins. */
  get heldBytes(): number {
    // The message buffer counts as allocated (it grows by doubling), not as filled.
    return this.partialLength + (this.text?.length ?? 0) + this.controlLength
  }

  /**
   * Whether binary payload is handed on as it arrives (`true`: for a byte
   * stream, a TCP target, where message boundaries mean nothing) or as whole
   * messages (`false`, the default: one message, one datagram). Streaming
   * starts at once: what is gathered of a message in progress goes on first.
   * Whole messages start with the next message (the part of one already
   * handed on cannot be gathered again).
   */
  streamBinary(isStreaming = true): void {
    this.isStreaming = isStreaming
    if (!isStreaming || this.isMessageStreaming) return
    this.isMessageStreaming = true
    if (this.messageOpcode !== Opcode.BINARY || this.textLength === 0) return
    const gathered = (this.text as Buffer).subarray(0, this.textLength)
    this.text = undefined
    this.textLength = 0
    this.sink.onBinary(gathered)
  }

  /** True once a close frame or a violation ended reading. */
  get isDone(): boolean {
    return this.state === DONE
  }

  /** Reads nothing more (the connection is closing). */
  stop(): void {
    this.state = DONE
    this.text = undefined
    this.textLength = 0
    this.control = undefined
    this.controlLength = 0
    this.partial = undefined
    this.partialLength = 0
  }

  /** Reads one chunk from the socket; the chunk is the parser's to unmask in place. */
  push(chunk: Buffer): void {
    const end = chunk.length
    let pos = 0
    while (pos < end) {
      if (this.state === READING_HEADER) {
        pos = this.readHeader(chunk, pos)
        continue
      }
      if (this.state === DONE) return
      const take = Math.min(this.remaining, end - pos)
      this.readPayload(chunk, pos, pos + take)
      pos += take
    }
  }

  // ---- header ------------------------------------------------------------

  /** Reads a header at `pos` (or the rest of a split one); returns where the payload starts. */
  private readHeader(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos
    if (this.partialLength === 0 && available >= 2) {
      const size = headerSize(chunk[pos + 1] as number)
      if (available >= size) {
        this.parseHeader(chunk, pos)
        return pos + size
      }
    }
    // A header split across chunks: gather it (at most 14 bytes).
    const partial = (this.partial ??= Buffer.allocUnsafe(MAX_HEADER_BYTES))
    let at = pos
    while (at < chunk.length) {
      partial[this.partialLength++] = chunk[at++] as number
      if (
        this.partialLength >= 2 &&
        this.partialLength === headerSize(partial[1] as number)
      ) {
        this.partialLength = 0
        this.parseHeader(partial, 0)
        return at
      }
    }
    return at
  }

  private parseHeader(buf: Buffer, at: number): void {
    const b0 = buf[at] as number
    const b1 = buf[at + 1] as number
    if ((b0 & 0x70) !== 0) {
      this.fail((b0 & 0x40) !== 0 ? VIOLATIONS.rsv1 : VIOLATIONS.rsv23)
      return
    }
    const isFin = (b0 & 0x80) !== 0
    const opcode = b0 & 0x0f
    const isControl = opcode >= 0x8
    switch (opcode) {
      case Opcode.CONTINUATION:
        if (this.messageOpcode === 0)
          return this.fail(VIOLATIONS.orphanContinuation)
        break
      case Opcode.TEXT:
      case Opcode.BINARY:
        if (this.messageOpcode !== 0) return this.fail(VIOLATIONS.interleaved)
        break
      case Opcode.CLOSE:
      case Opcode.PING:
      case Opcode.PONG:
        if (!isFin) return this.fail(VIOLATIONS.fragmentedControl)
        if ((b1 & 0x7f) > MAX_CONTROL_PAYLOAD)
          return this.fail(VIOLATIONS.controlTooLong)
        if (opcode === Opcode.CLOSE && (b1 & 0x7f) === 1)
          return this.fail(VIOLATIONS.closeOfOneByte)
        break
      default:
        return this.fail(
          violation(
            1002,
            'WS_ERR_INVALID_OPCODE',
            `Reserved opcode 0x${opcode.toString(16).toUpperCase()}.`,
          ),
        )
    }
    if ((b1 & 0x80) === 0) return this.fail(VIOLATIONS.unmasked)

    let length = b1 & 0x7f
    let next = at + 2
    if (length === 126) {
      length = buf.readUInt16BE(next)
      next += 2
    } else if (length === 127) {
      const high = buf.readUInt32BE(next)
      if (high >= 0x80000000) return this.fail(VIOLATIONS.lengthTopBit)
      length = high * 0x1_0000_0000 + buf.readUInt32BE(next + 4)
      next += 8
    }
    this.maskKey = buf.readUInt32BE(next)
    this.maskOffset = 0
    this.isFin = isFin
    this.opcode = opcode
    this.remaining = length
    this.frameLength = length

    if (!isControl) {
      if (++this.fragments > MAX_FRAGMENTS)
        return this.fail(VIOLATIONS.tooManyFragments)
      this.messageBytes += length
      if (this.messageBytes > this.maxMessageSize) {
        return this.fail(
          violation(
            1009,
            'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
            `Message over the relay's limit of ${this.maxMessageSize} bytes (--max-message-size).`,
          ),
        )
      }
      if (opcode !== Opcode.CONTINUATION) {
        this.messageOpcode = opcode
        this.isMessageStreaming = this.isStreaming
      }
    }
    this.state = READING_PAYLOAD
    if (length === 0) this.endFrame(EMPTY)
  }

  // ---- payload -----------------------------------------------------------

  private readPayload(chunk: Buffer, start: number, end: number): void {
    const length = end - start
    this.unmaskRange(chunk, start, end)
    this.remaining -= length
    const isLast = this.remaining === 0
    if (
      this.isMessageStreaming &&
      this.opcode < 0x8 &&
      this.messageOpcode === Opcode.BINARY
    ) {
      this.sink.onBinary(
        start === 0 && end === chunk.length
          ? chunk
          : chunk.subarray(start, end),
      )
      // The sink may have stopped the parser (the connection is closing).
      if (isLast && this.state !== DONE) this.endFrame(undefined)
      return
    }
    // Text, control and (until streaming) binary payloads are delivered
    // whole: one that sits entire in this chunk is a view into it; one split
    // across chunks (or a message across frames) is gathered, a copy.
    const isWholeFrame = length === this.frameLength
    if (this.opcode >= 0x8) {
      if (isWholeFrame) return this.endFrame(chunk.subarray(start, end))
      const control = (this.control ??= Buffer.allocUnsafe(MAX_CONTROL_PAYLOAD))
      chunk.copy(control, this.controlLength, start, end)
      this.controlLength += length
    } else {
      if (isWholeFrame && this.isFin && this.textLength === 0)
        return this.endFrame(chunk.subarray(start, end))
      this.gatherText(chunk, start, end)
    }
    if (isLast) this.endFrame(undefined)
  }

  private unmaskRange(chunk: Buffer, start: number, end: number): void {
    const key = this.maskKey
    const offset = this.maskOffset
    this.maskOffset = (offset + end - start) & 3
    if (key === 0 || end === start) return
    // The key rotated so that its byte `offset` lines up with `start`.
    MASK.writeUInt32BE(
      offset === 0
        ? key
        : ((key << (8 * offset)) | (key >>> (32 - 8 * offset))) >>> 0,
      0,
    )
    unmask(
      start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end),
      MASK,
    )
  }

  private gatherText(chunk: Buffer, start: number, end: number): void {
    const needed = this.textLength + (end - start)
    let text = this.text
    if (!text || text.length < needed) {
      // Grow by doubling; the header already checked the message limit.
      const size = Math.min(
        this.maxMessageSize,
        Math.max(needed, (text?.length ?? 0) * 2, 1024),
      )
      const grown = Buffer.allocUnsafe(Math.max(size, needed))
      if (text) text.copy(grown, 0, 0, this.textLength)
      text = this.text = grown
    }
    chunk.copy(text, this.textLength, start, end)
    this.textLength = needed
  }

  /** A frame's payload is all read: `whole` is its payload when it came in one piece. */
  private endFrame(whole: Buffer | undefined): void {
    this.state = READING_HEADER
    const opcode = this.opcode
    if (opcode >= 0x8) {
      // A split control payload is copied out: a pong written from it may
      // still be queued when the next control frame arrives.
      const payload =
        whole ??
        Buffer.from((this.control as Buffer).subarray(0, this.controlLength))
      this.controlLength = 0
      this.onControl(opcode, payload)
      return
    }
    if (!this.isFin) return
    const messageOpcode = this.messageOpcode
    this.messageOpcode = 0
    this.messageBytes = 0
    this.fragments = 0
    if (messageOpcode === Opcode.BINARY && this.isMessageStreaming) return
    let text: Buffer
    if (this.textLength === 0) text = whole ?? EMPTY
    else {
      text = (this.text as Buffer).subarray(0, this.textLength)
      // An idle connection keeps no message buffer.
      this.text = undefined
      this.textLength = 0
    }
    if (messageOpcode === Opcode.BINARY) {
      this.sink.onBinary(text)
      return
    }
    if (!isUtf8(text)) {
      this.fail(VIOLATIONS.utf8)
      return
    }
    this.sink.onText(text)
  }

  private onControl(opcode: number, payload: Buffer): void {
    switch (opcode) {
      case Opcode.PING:
        this.sink.onPing(payload)
        return
      case Opcode.PONG:
        this.sink.onPong(payload)
        return
      case Opcode.CLOSE: {
        if (payload.length === 0) {
          this.stop()
          this.sink.onClose(1005, '')
          return
        }
        const code = payload.readUInt16BE(0)
        if (!isValidCloseCode(code)) return this.fail(VIOLATIONS.closeCode)
        const reason = payload.subarray(2)
        if (!isUtf8(reason)) return this.fail(VIOLATIONS.utf8)
        this.stop()
        this.sink.onClose(code, reason.toString('utf8'))
      }
    }
  }

  private fail(v: FrameViolation): void {
    this.stop()
    this.sink.onViolation(v)
  }
}

/** Header bytes implied by the second header byte (the mask bit and the length form). */
function headerSize(b1: number): number {
  const length = b1 & 0x7f
  return (
    2 +
    (length === 126 ? 2 : length === 127 ? 8 : 0) +
    ((b1 & 0x80) !== 0 ? 4 : 0)
  )
}
