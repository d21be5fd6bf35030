import net from 'node:net'
import os from 'node:os'
import type { Transport } from '@wsrelay/protocol'
import { ipv6Bytes, judgedAddress } from './ip-address.js'
import { RelayError } from '../errors.js'

/** One `--allow` rule: which hosts (a name, `*`, or a CIDR) on which ports, over which transport. */
export interface AllowRule {
  /** As written, for logs and errors. */
  readonly text: string
  /** TCP unless the rule starts with `udp:`; a rule opens its own transport only. */
  readonly transport: Transport
  readonly host:
    | { readonly kind: 'any' }
    | { readonly kind: 'name'; readonly name: string }
    | ({ readonly kind: 'cidr' } & Network)
  readonly ports: { readonly from: number; readonly to: number }
}

/** A network: its address's bytes (4 or 16) and prefix length. */
export interface Network {
  readonly bytes: Uint8Array
  readonly prefix: number
  readonly family: 4 | 6
}

/** A range of addresses no broad rule opens. */
export interface SpecialRange extends Network {
  readonly name: string
}

/** The bytes of an IP address of `family`: 4 for IPv4, 16 for IPv6. */
export function addressBytes(address: string, family: 4 | 6): Uint8Array {
  if (family === 6) return ipv6Bytes(address) ?? new Uint8Array(16)
  return Uint8Array.from(address.split('.').map(Number))
}

/** True when `bytes` (an address of the same family) lies in `network`. */
export function isInNetwork(bytes: Uint8Array, network: Network): boolean {
  if (bytes.length !== network.bytes.length) return false
  const whole = network.prefix >> 3
  for (let i = 0; i < whole; i++)
    if (bytes[i] !== network.bytes[i]) return false
  const rest = network.prefix & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return ((bytes[whole] ?? 0) & mask) === ((network.bytes[whole] ?? 0) & mask)
}

const special = (
  name: string,
  network: string,
  prefix: number,
  family: 4 | 6,
): SpecialRange => ({
  name,
  bytes: addressBytes(network, family),
  prefix,
  family,
})

/**
 * Addresses a client must never reach through a broad rule: the relay's own
 * host, internal networks and cloud metadata services. Only a rule whose CIDR
 * lies inside one of these ranges opens (that part of) it.
 */
export const SPECIAL_RANGES: readonly SpecialRange[] = [
  special('unspecified/this network', '0.0.0.0', 8, 4),
  special('private', '10.0.0.0', 8, 4),
  special('CGNAT', '100.64.0.0', 10, 4),
  special('loopback', '127.0.0.0', 8, 4),
  special('link-local/cloud metadata', '169.254.0.0', 16, 4),
  special('private', '172.16.0.0', 12, 4),
  special('IETF protocol assignments', '192.0.0.0', 24, 4),
  special('documentation (TEST-NET-1)', '192.0.2.0', 24, 4),
  special('6to4 relay anycast', '192.88.99.0', 24, 4),
  special('private', '192.168.0.0', 16, 4),
  special('benchmarking', '198.18.0.0', 15, 4),
  special('documentation (TEST-NET-2)', '198.51.100.0', 24, 4),
  special('documentation (TEST-NET-3)', '203.0.113.0', 24, 4),
  special('multicast', '224.0.0.0', 4, 4),
  special('reserved/broadcast', '240.0.0.0', 4, 4),
  // IPv4-mapped, -compatible, -translated and NAT64 64:ff9b::/96 addresses are
  // unwrapped and judged by the IPv4 rows above (ip-address.ts); these rows
  // catch what is left of their ranges and every other special IPv6 range.
  special('IPv4-compatible (deprecated) and unspecified/loopback', '::', 96, 6),
  special('IPv4-mapped', '::ffff:0:0', 96, 6),
  special('IPv4-translated', '::ffff:0:0:0', 96, 6),
  special('NAT64', '64:ff9b::', 96, 6),
  special('local-use NAT64', '64:ff9b:1::', 48, 6),
  special('discard-only', '100::', 64, 6),
  special(
    'IETF protocol assignments (Teredo, benchmarking, ORCHID)',
    '2001::',
    23,
    6,
  ),
  special('documentation', '2001:db8::', 32, 6),
  special('6to4 (embeds any IPv4 address)', '2002::', 16, 6),
  special('documentation', '3fff::', 20, 6),
  special('unique local (private, incl. cloud metadata)', 'fc00::', 7, 6),
  special('link-local', 'fe80::', 10, 6),
  special('site-local (deprecated)', 'fec0::', 10, 6),
  special('multicast', 'ff00::', 8, 6),
]

/** How long the host's own addresses are trusted before they are read again, in ms. */
export const HOST_ADDRESSES_TTL_MS = 1000

/**
 * The relay host's own addresses, read again when older than a second: an
 * address added to an interface after start is this host's too.
 */
export function createHostAddresses(
  read: () => NodeJS.Dict<os.NetworkInterfaceInfo[]> = () =>
    os.networkInterfaces(),
  now: () => number = Date.now,
): () => readonly SpecialRange[] {
  let ranges: readonly SpecialRange[] = []
  let readAt = -Infinity
  return () => {
    if (now() - readAt > HOST_ADDRESSES_TTL_MS) {
      ranges = hostAddressRanges(read())
      readAt = now()
    }
    return ranges
  }
}

/** The relay host's own addresses: reaching them is reaching the relay's host. */
export function hostAddressRanges(
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): SpecialRange[] {
  const ranges: SpecialRange[] = []
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      const family = info.family === 'IPv6' ? 6 : 4
      const judged = judgedAddress(info.address.replace(/%.*$/, ''), family)
      ranges.push(
        special(
          "this host's own address",
          judged.address,
          judged.family === 4 ? 32 : 128,
          judged.family,
        ),
      )
    }
  }
  return ranges
}

const invalid = (text: string, why: string): RelayError =>
  new RelayError(
    'RELAY_INVALID_OPTION',
    `Invalid --allow "${text}": ${why} Expected [udp:]HOST:PORT, HOST:FROM-TO or HOST:*, where HOST is a name, * or a CIDR such as 10.0.0.0/8 or [fd00::]/8.`,
  )

function parsePorts(text: string, rule: string): { from: number; to: number } {
  if (text === '*') return { from: 1, to: 65535 }
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text)
  const from = Number(match?.[1])
  const to = Number(match?.[2] ?? match?.[1])
  if (!match || from < 1 || to > 65535 || from > to)
    throw invalid(rule, `bad port "${text}".`)
  return { from, to }
}

/**
 * Parses one `--allow` rule, TCP unless it starts with `udp:` (or says
 * `tcp:`); throws RELAY_INVALID_OPTION with an example.
 */
export function parseAllowRule(text: string): AllowRule {
  const prefixed = /^(tcp|udp):(.*)$/s.exec(text)
  const transport: Transport = prefixed?.[1] === 'udp' ? 'udp' : 'tcp'
  return { ...parseHostsAndPorts(prefixed?.[2] ?? text, text), transport }
}

function parseHostsAndPorts(
  body: string,
  text: string,
): Omit<AllowRule, 'transport'> {
  const bracketed = /^\[([^\]/]+)(?:\/(\d+))?\](?:\/(\d+))?:([^:]+)$/.exec(body)
  let hostText: string
  let prefixText: string | undefined
  let portText: string
  if (bracketed) {
    hostText = bracketed[1] ?? ''
    prefixText = bracketed[2] ?? bracketed[3]
    portText = bracketed[4] ?? ''
  } else {
    const colon = body.lastIndexOf(':')
    if (colon <= 0) throw invalid(text, 'no port.')
    const hostPart = body.slice(0, colon)
    if (hostPart.includes(':')) throw invalid(text, 'IPv6 must be in brackets.')
    ;[hostText = '', prefixText] = hostPart.split('/')
    portText = body.slice(colon + 1)
  }
  const ports = parsePorts(portText, text)

  if (hostText === '*' && prefixText === undefined)
    return { text, host: { kind: 'any' }, ports }
  const family = net.isIP(hostText)
  if (family === 4 || family === 6) {
    const max = family === 4 ? 32 : 128
    const prefix = prefixText === undefined ? max : Number(prefixText)
    if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max)
      throw invalid(text, `bad prefix "/${prefixText ?? ''}".`)
    return {
      text,
      host: {
        kind: 'cidr',
        bytes: addressBytes(hostText, family),
        prefix,
        family,
      },
      ports,
    }
  }
  if (prefixText !== undefined)
    throw invalid(text, `a prefix needs an IP address, not "${hostText}".`)
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.?$/.test(hostText))
    throw invalid(text, `bad host "${hostText}".`)
  return { text, host: { kind: 'name', name: normalizeHost(hostText) }, ports }
}

/** Lower case, no trailing dot: `Game.Example.` and `game.example` are one host. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '')
}

/** The special range an address is in, if any (the address as judged: embedded IPv4 unwrapped). */
export function specialRangeOf(
  address: string,
  family: 4 | 6,
  extra: readonly SpecialRange[] = [],
): SpecialRange | undefined {
  return rangeOfBytes(addressBytes(address, family), extra)
}

function rangeOfBytes(
  bytes: Uint8Array,
  extra: readonly SpecialRange[],
): SpecialRange | undefined {
  // Same family only (isInNetwork compares lengths): an IPv4 address is
  // never judged by the IPv4-mapped row.
  const inRange = (range: SpecialRange): boolean => isInNetwork(bytes, range)
  return SPECIAL_RANGES.find(inRange) ?? extra.find(inRange)
}

/**
 * The first resolved address some rule allows for host:port, or undefined.
 * Callers connect to exactly this address, so a second DNS answer cannot
 * change where the connection goes (DNS rebinding). Each address is judged
 * once (embedded IPv4 unwrapped, its special range found), then the rules
 * are only compared with it: the cost per rule is a port check and at most
 * one prefix comparison.
 */
export function pickAllowedAddress(
  rules: readonly AllowRule[],
  host: string,
  port: number,
  addresses: readonly { address: string; family: number }[],
  hostRanges: readonly SpecialRange[] = [],
): { address: string; family: 4 | 6 } | undefined {
  const name = normalizeHost(host)
  for (const { address, family } of addresses) {
    if (family !== 4 && family !== 6) continue
    const judged = judgedAddress(address, family)
    const bytes = addressBytes(judged.address, judged.family)
    const range = rangeOfBytes(bytes, hostRanges)
    for (const rule of rules) {
      if (port < rule.ports.from || port > rule.ports.to) continue
      const { host: ruleHost } = rule
      const isAllowed =
        ruleHost.kind === 'any'
          ? range === undefined
          : ruleHost.kind === 'name'
            ? range === undefined && ruleHost.name === name
            : // Same family only; a special address needs a rule inside its
              // range: 127.0.0.1/32 opens it, 0.0.0.0/0 does not.
              isInNetwork(bytes, ruleHost) &&
              (range === undefined || ruleHost.prefix >= range.prefix)
      if (isAllowed) return { address, family }
    }
  }
  return undefined
}

/**
 * False when no rule could allow host:port whatever its addresses: the
 * port is outside every rule, or only name rules match and none names this
 * host. Such an open is refused without a DNS lookup, so a client learns
 * nothing about the name and costs the resolver nothing.
 */
export function couldAllow(
  rules: readonly AllowRule[],
  host: string,
  port: number,
): boolean {
  const name = normalizeHost(host)
  return rules.some(
    (rule) =>
      port >= rule.ports.from &&
      port <= rule.ports.to &&
      (rule.host.kind !== 'name' || rule.host.name === name),
  )
}
