/** 64 KiB: a "line" longer than this is answered as it stands, keeping memory bounded. */
export const MAX_LINE_BYTES = 64 * 1024

const LF = 0x0a
const CR = 0x0d

/**
 * Line mode: turns incoming bytes into replies, one per complete line:
 * the line, then `suffix`, then the line's own ending (`\n` or `\r\n`).
 * Works on bytes, so a UTF-8 character split across reads stays whole.
 */
export function createLineEcho(suffix: string): (chunk: Buffer) => Buffer[] {
  const suffixBytes = Buffer.from(suffix, 'utf8')
  let pending: Buffer = Buffer.alloc(0)
  return (chunk) => {
    let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk
    const replies: Buffer[] = []
    let newline = data.indexOf(LF)
    while (newline !== -1) {
      const hasCr = newline > 0 && data[newline - 1] === CR
      const line = data.subarray(0, hasCr ? newline - 1 : newline)
      replies.push(
        Buffer.concat([
          line,
          suffixBytes,
          hasCr ? Buffer.from('\r\n') : Buffer.from('\n'),
        ]),
      )
      data = data.subarray(newline + 1)
      newline = data.indexOf(LF)
    }
    if (data.length >= MAX_LINE_BYTES) {
      replies.push(Buffer.concat([data, suffixBytes]))
      data = Buffer.alloc(0)
    }
    pending = Buffer.from(data) // copy: do not pin the whole read buffer
    return replies
  }
}
