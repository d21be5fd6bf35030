import { ClientError } from '../errors.js'

/** Default most bytes a reader holds unread: 16 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024

/** Options of {@link BinaryReader}. */
export interface BinaryReaderOptions {
  /** Byte order of multi-byte numbers unless a read says otherwise. Default false: big-endian (network order). */
  littleEndian?: boolean
  /** Most bytes held unread; `push` beyond it throws CLIENT_READER_OVERFLOW. Default 16 MiB. */
  maxBufferedBytes?: number
}

interface Waiter {
  readonly length: number
  resolve(bytes: Uint8Array): void
  reject(err: ClientError): void
}

/**
 * Reads numbers, bytes and strings from a byte stream that arrives in pieces.
 * Each read waits until enough bytes are there, however the TCP reads split
 * them; reads are served in the order they were called.
 *
 * @example
 * // VNC ServerInit (RFC 6143 7.3.2)
 * const reader = new BinaryReader()
 * client.on('message', ({ bytes }) => reader.push(bytes))
 * const width = await reader.readU16()
 * const height = await reader.readU16()
 * const pixelFormat = await reader.readBytes(16)
 * const name = await reader.readString(await reader.readU32())
 */
export class BinaryReader {
  private readonly chunks: Uint8Array[] = []
  private offset = 0
  private buffered = 0
  private readonly waiters: Waiter[] = []
  private closedWith: ClientError | undefined
  private readonly littleEndian: boolean
  private readonly maxBufferedBytes: number
  private readonly decoder = new TextDecoder('utf-8')

  constructor(options: BinaryReaderOptions = {}) {
    this.littleEndian = options.littleEndian ?? false
    this.maxBufferedBytes =
      options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
  }

  /** Bytes received and not yet read. */
  get available(): number {
    return this.buffered
  }

  /** Adds received bytes (copied, so the caller may reuse its buffer). */
  push(bytes: Uint8Array | ArrayBuffer): void {
    if (this.closedWith) throw this.closedWith
    const chunk = new Uint8Array(bytes).slice()
    if (this.buffered + chunk.length > this.maxBufferedBytes) {
      throw new ClientError(
        'CLIENT_READER_OVERFLOW',
        `BinaryReader would hold ${this.buffered + chunk.length} unread bytes, over maxBufferedBytes ${this.maxBufferedBytes}. ` +
          'Read faster (await reads in a loop) or raise maxBufferedBytes.',
      )
    }
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
    this.serve()
  }

  /**
   * Ends the stream: pending and later reads reject with CLIENT_READER_CLOSED
   * (call it from the client's `close` event).
   */
  close(reason = 'The stream ended.'): void {
    this.closedWith ??= new ClientError(
      'CLIENT_READER_CLOSED',
      `${reason} ${this.buffered} byte(s) were left unread.`,
    )
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.closedWith)
  }

  /** The next `length` bytes, as a copy. */
  readBytes(length: number): Promise<Uint8Array> {
    if (!Number.isInteger(length) || length < 0) {
      throw new ClientError(
        'CLIENT_INVALID_OPTION',
        `readBytes(${length}): expected a whole number of bytes >= 0.`,
      )
    }
    if (length > this.maxBufferedBytes) {
      throw new ClientError(
        'CLIENT_READER_OVERFLOW',
        `readBytes(${length}) can never be served: maxBufferedBytes is ${this.maxBufferedBytes}.`,
      )
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ length, resolve, reject })
      if (this.closedWith) this.close()
      else this.serve()
    })
  }

  /** The next `length` bytes decoded as UTF-8 (invalid bytes become U+FFFD). */
  async readString(length: number): Promise<string> {
    return this.decoder.decode(await this.readBytes(length))
  }

  readU8(): Promise<number> {
    return this.readView(1, (v) => v.getUint8(0))
  }
  readI8(): Promise<number> {
    return this.readView(1, (v) => v.getInt8(0))
  }
  /** `littleEndian` overrides the reader's byte order for this read. */
  readU16(littleEndian = this.littleEndian): Promise<number> {
    return this.readView(2, (v) => v.getUint16(0, littleEndian))
  }
  readI16(littleEndian = this.littleEndian): Promise<number> {
    return this.readView(2, (v) => v.getInt16(0, littleEndian))
  }
  readU32(littleEndian = this.littleEndian): Promise<number> {
    return this.readView(4, (v) => v.getUint32(0, littleEndian))
  }
  readI32(littleEndian = this.littleEndian): Promise<number> {
    return this.readView(4, (v) => v.getInt32(0, littleEndian))
  }
  /** A bigint: 64-bit integers do not fit a number exactly. */
  readU64(littleEndian = this.littleEndian): Promise<bigint> {
    return this.readView(8, (v) => v.getBigUint64(0, littleEndian))
  }
  readI64(littleEndian = this.littleEndian): Promise<bigint> {
    return this.readView(8, (v) => v.getBigInt64(0, littleEndian))
  }
  readF32(littleEndian = this.littleEndian): Promise<number> {
    return this.readView(4, (v) => v.getFloat32(0, littleEndian))
  }
  readF64(littleEndian = this.littleEndian): Promise<number> {
    return this.readView(8, (v) => v.getFloat64(0, littleEndian))
  }

  private async readView<T>(
    length: number,
    read: (view: DataView) => T,
  ): Promise<T> {
    const bytes = await this.readBytes(length)
    return read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  }

  private serve(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0]
      if (!waiter || waiter.length > this.buffered) return
      this.waiters.shift()
      waiter.resolve(this.take(waiter.length))
    }
  }

  private take(length: number): Uint8Array {
    const out = new Uint8Array(length)
    let filled = 0
    while (filled < length) {
      const chunk = this.chunks[0]
      if (!chunk) break
      const n = Math.min(length - filled, chunk.length - this.offset)
      out.set(chunk.subarray(this.offset, this.offset + n), filled)
      filled += n
      this.offset += n
      if (this.offset === chunk.length) {
        this.chunks.shift()
        this.offset = 0
      }
    }
    this.buffered -= length
    return out
  }
}
