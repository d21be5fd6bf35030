import net from 'node:net'

/**
 * The 16 bytes of an IPv6 address (`::`, embedded dotted quads and zone ids
 * handled), or undefined when `text` is not one. Never throws.
 */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  const address = text.replace(/%.*$/, '') // a zone id names a link, not an address
  if (net.isIPv6(address) === false) return undefined
  let head = address
  let tail = ''
  const gap = address.indexOf('::')
  if (gap !== -1) {
    head = address.slice(0, gap)
    tail = address.slice(gap + 2)
  }
  const groups = (part: string): number[] => {
    if (part === '') return []
    const out: number[] = []
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const quad = piece.split('.').map(Number)
        out.push(((quad[0] ?? 0) << 8) | (quad[1] ?? 0))
        out.push(((quad[2] ?? 0) << 8) | (quad[3] ?? 0))
      } else out.push(parseInt(piece, 16))
    }
    return out
  }
  const first = groups(head)
  const last = groups(tail)
  const all = [
    ...first,
    ...new Array<number>(8 - first.length - last.length).fill(0),
    ...last,
  ]
  const bytes = new Uint8Array(16)
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8
    bytes[i * 2 + 1] = group & 0xff
  })
  return bytes
}

const quad = (b: Uint8Array, at: number): string =>
  `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`

const startsWith = (b: Uint8Array, prefix: readonly number[]): boolean =>
  prefix.every((byte, i) => b[i] === byte)

const ZERO_80 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it:
 * IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, IPv4-translated
 * `::ffff:0:a.b.c.d`, and NAT64 `64:ff9b::a.b.c.d` (RFC 6052). Such an
 * address is judged as the IPv4 address it is, so no IPv6 rule or range
 * opens what the IPv4 table keeps shut.
 */
export function embeddedIPv4(address: string): string | undefined {
  const b = ipv6Bytes(address)
  if (!b) return undefined
  if (startsWith(b, [...ZERO_80, 0xff, 0xff])) return quad(b, 12) // mapped
  if (startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0]))
    return quad(b, 12) // translated
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]))
    return quad(b, 12) // NAT64 well-known prefix
  // IPv4-compatible (deprecated, RFC 4291 2.5.5.1): ::a.b.c.d, but not :: or ::1.
  if (startsWith(b, [...ZERO_80, 0, 0]) && (b[12] !== 0 || b[13] !== 0))
    return quad(b, 12)
  return undefined
}

/** An address as the policy judges it: embedded IPv4 unwrapped. */
export function judgedAddress(
  address: string,
  family: 4 | 6,
): { address: string; family: 4 | 6 } {
  if (family === 6) {
    const v4 = embeddedIPv4(address)
    if (v4 !== undefined) return { address: v4, family: 4 }
  }
  return { address, family }
}
