/** Bytes one code point takes in UTF-8. */
export const utf8CodePointLength = (codePoint: number): number =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4

/** UTF-8 length of a string, without TextEncoder (protocol stays platform-free). */
export function utf8ByteLength(text: string): number {
  let bytes = 0
  for (const ch of text) bytes += utf8CodePointLength(ch.codePointAt(0) ?? 0)
  return bytes
}
