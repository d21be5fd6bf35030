import { ClientError } from '../errors.js'

/** Default longest line, in characters: 64 Ki. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024

/** Options of {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Longest line accepted, in characters (without its line ending). Default 65 536. */
  maxLineLength?: number
}

/**
 * Turns a byte stream into lines. A TCP read is not a message: a line, a CRLF
 * or a UTF-8 character may arrive split across any number of `message` events,
 * and one event may hold many lines. Lines end at LF; a CR right before the LF
 * is dropped. Invalid UTF-8 becomes U+FFFD.
 *
 * @example
 * const lines = new LineSplitter()
 * client.on('message', ({ bytes }) => {
 *   for (const line of lines.push(bytes)) console.log(line)
 * })
 * client.on('close', () => lines.flush().forEach((last) => console.log(last)))
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly maxLineLength: number
  private partial = ''

  constructor(options: LineSplitterOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH
    if (!(this.maxLineLength >= 1)) {
      throw new ClientError(
        'CLIENT_INVALID_OPTION',
        `maxLineLength is ${this.maxLineLength}; expected a number of characters >= 1.`,
      )
    }
  }

  /**
   * Adds bytes (or text) and returns the lines they completed, without line
   * endings. Throws CLIENT_LINE_TOO_LONG when the unfinished line grows past
   * `maxLineLength`; the splitter then drops it and goes on with the next line.
   */
  push(chunk: Uint8Array | string): string[] {
    const text =
      typeof chunk === 'string'
        ? chunk
        : this.decoder.decode(chunk, { stream: true })
    const parts = (this.partial + text).split('\n')
    this.partial = parts.pop() ?? ''
    const lines = parts.map(stripCr)
    const tooLong = lines.find((line) => line.length > this.maxLineLength)
    const partialLength = this.partial.endsWith('\r')
      ? this.partial.length - 1
      : this.partial.length
    if (tooLong !== undefined || partialLength > this.maxLineLength) {
      const length = tooLong?.length ?? partialLength
      // Drop the line: a stream without newlines must not grow memory forever.
      this.partial = tooLong !== undefined ? this.partial : ''
      throw new ClientError(
        'CLIENT_LINE_TOO_LONG',
        `A line of ${length} characters exceeds maxLineLength ${this.maxLineLength}. ` +
          'Is the stream line-based? Raise maxLineLength or read it with BinaryReader.',
      )
    }
    return lines
  }

  /** At the end of the stream: the last line if it had no line ending (else nothing). */
  flush(): string[] {
    const rest = this.partial + this.decoder.decode()
    this.partial = ''
    return rest.length > 0 ? [stripCr(rest)] : []
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}
