/** `1.5 KiB` for 1536: byte counts for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** What a line ending option appends. */
export const LINE_ENDINGS = { lf: '\n', crlf: '\r\n', none: '' } as const

/** A line ending option: `lf`, `crlf` or `none`. */
export type LineEnding = keyof typeof LINE_ENDINGS

/**
 * Splits pasted text into the lines to send, one send each. A trailing
 * newline does not make an empty last line.
 */
export function pastedLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/)
  if (lines.at(-1) === '') lines.pop()
  return lines
}
