/**
 * Characters that change how text around them is shown without being seen
 * themselves: controls (except tab), format characters (bidi overrides and
 * isolates such as U+202E, zero-width joiners, BOM, soft hyphen, tags) and
 * the line/paragraph separators. A U+202E would show "evil" as "live".
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u
/** A combining mark: shown only after a character of the line's own. */
const MARK = /\p{M}/u
const LEADING_MARK = /^\p{M}/u

/** A piece of a line as shown: text as it is, or an escape for a character that would hide. */
export type VisiblePiece = string | { readonly escape: string }

/** `\x07`, `\u202E`, `\u{E0041}`: the code point as a developer would type it. */
export function escapeOf(codePoint: number): string {
  const hex = codePoint.toString(16).toUpperCase()
  if (codePoint < 0x100) return `\\x${hex.padStart(2, '0')}`
  if (codePoint < 0x10000) return `\\u${hex.padStart(4, '0')}`
  return `\\u{${hex}}`
}

/**
 * Splits a line into text and escapes: each invisible character becomes its
 * escape, and so does a combining mark at the start of the line or after an
 * escape (it would merge into the marker or the escape). Tab stays a tab.
 * Most lines have nothing to escape and come back as one string.
 */
export function visiblePieces(line: string): readonly VisiblePiece[] {
  if (!INVISIBLE.test(line) && !LEADING_MARK.test(line)) return [line]
  const pieces: VisiblePiece[] = []
  let text = ''
  let canCombine = false
  for (const char of line) {
    const codePoint = char.codePointAt(0) ?? 0
    const isHidden =
      (char !== '\t' && INVISIBLE.test(char)) ||
      (!canCombine && MARK.test(char))
    if (isHidden) {
      if (text) pieces.push(text)
      text = ''
      pieces.push({ escape: escapeOf(codePoint) })
      canCombine = false
    } else {
      text += char
      canCombine = true
    }
  }
  if (text) pieces.push(text)
  return pieces
}

/** The line as shown, escapes inline (for tests and plain-text views). */
export function visibleText(line: string): string {
  return visiblePieces(line)
    .map((piece) => (typeof piece === 'string' ? piece : piece.escape))
    .join('')
}
