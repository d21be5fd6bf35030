import net from 'node:net'
import type { IncomingMessage } from 'node:http'
import { RelayError } from '../errors.js'

/** `::ffff:127.0.0.1` is the IPv4 peer 127.0.0.1 on a dual-stack socket. */
const unmap = (address: string): string =>
  address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1')

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
