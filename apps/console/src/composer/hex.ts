/** `68 65 6c 6c 6f` for the bytes of "hello". */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')
}

/**
 * Parses hex typed by a person ("de ad be ef", "DEADBEEF", "0x01 0x02").
 * Returns undefined when it is not whole bytes of hex.
 */
export function parseHex(text: string): Uint8Array | undefined {
  const digits = text.replace(/0x/gi, '').replace(/[\s,:]/g, '')
  if (
    digits.length === 0 ||
    digits.length % 2 !== 0 ||
    !/^[0-9a-f]+$/i.test(digits)
  ) {
    return undefined
  }
  const bytes = new Uint8Array(digits.length / 2)
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16)
  return bytes
}
