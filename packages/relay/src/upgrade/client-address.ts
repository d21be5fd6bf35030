import net from 'node:net'
import type { IncomingMessage } from 'node:http'
import { RelayError } from '../errors.js'
import { embeddedIPv4, ipv6Bytes } from '../targets/ip-address.js'

/**
 * One spelling per address, so per-IP limits count one client once: an
 * IPv6 address that carries an IPv4 one (`::ffff:127.0.0.1`,
 * `::ffff:909:909`) is that IPv4 address, and the others are written as
 * RFC 5952 does (lower case, zeros compressed): `2001:DB8:0::1` and
 * `2001:db8::0:1` are one client.
 */
export function canonicalAddress(address: string): string {
  if (net.isIPv6(address) === false) return address
  const v4 = embeddedIPv4(address)
  if (v4 !== undefined) return v4
  const bytes = ipv6Bytes(address)
  if (!bytes) return address
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0)).toString(16),
  )
  // The longest run of two or more zero groups becomes "::" (the first, on a tie).
  let best = { at: -1, length: 1 }
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > best.length) best = { at: i, length: j - i }
    i = j === i ? i + 1 : j
  }
  if (best.at === -1) return groups.join(':')
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`
}

const unmap = canonicalAddress

/** Builds the `--trust-proxy` list; throws RELAY_INVALID_OPTION on a bad CIDR. */
export function parseTrustedProxies(
  cidrs: readonly string[],
): net.BlockList | undefined {
  if (cidrs.length === 0) return undefined
  const list = new net.BlockList()
  for (const text of cidrs) {
    const [address = '', prefixText] = text.split('/')
    const family = net.isIP(address)
    const max = family === 6 ? 128 : 32
    const prefix = prefixText === undefined ? max : Number(prefixText)
    if (
      family === 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max
    ) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Invalid --trust-proxy "${text}": expected an IP address or CIDR, e.g. 127.0.0.1/32 or 10.0.0.0/8.`,
      )
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4')
  }
  return list
}

const isTrusted = (list: net.BlockList, address: string): boolean => {
  const family = net.isIP(address)
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4')
}

/**
 * The client's IP address for logs and per-IP limits. `X-Forwarded-For` is
 * read only when the direct peer is a trusted proxy; the client is then the
 * right-most address that is not itself a trusted proxy.
 */
export function clientAddressOf(
  req: IncomingMessage,
  trusted: net.BlockList | undefined,
): string {
  const peer = unmap(req.socket.remoteAddress ?? 'unknown')
  if (!trusted || !isTrusted(trusted, peer)) return peer
  const header = req.headers['x-forwarded-for']
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => unmap(h.trim()))
    .filter((h) => h.length > 0)
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? ''
    if (net.isIP(hop) === 0) return peer // a forged or garbled chain: trust only what we saw
    if (!isTrusted(trusted, hop)) return hop
  }
  return hops[0] ?? peer
}
