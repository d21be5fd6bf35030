import net from 'node:net'
import os from 'node:os'
import { judgedAddress } from './ip-address.js'
import { RelayError } from '../errors.js'

/** One `--allow` rule: which hosts (a name, `*`, or a CIDR) on which ports. */
export interface AllowRule {
  /** As written, for logs and errors. */
  readonly text: string
  readonly host:
    | { readonly kind: 'any' }
    | { readonly kind: 'name'; readonly name: string }
    | {
        readonly kind: 'cidr'
        readonly list: net.BlockList
        readonly prefix: number
        readonly family: 4 | 6
      }
  readonly ports: { readonly from: number; readonly to: number }
}

/** A range of addresses no broad rule opens. */
export interface SpecialRange {
  readonly name: string
  readonly list: net.BlockList
  readonly prefix: number
  readonly family: 4 | 6
}

const special = (
  name: string,
  network: string,
  prefix: number,
  family: 4 | 6,
): SpecialRange => {
  const list = new net.BlockList()
  list.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6')
  return { name, list, prefix, family }
}

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
    `Invalid --allow "${text}": ${why} Expected HOST:PORT, HOST:FROM-TO or HOST:*, where HOST is a name, * or a CIDR such as 10.0.0.0/8 or [fd00::]/8.`,
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

/** Parses one `--allow` rule; throws RELAY_INVALID_OPTION with an example. */
export function parseAllowRule(text: string): AllowRule {
  const bracketed = /^\[([^\]/]+)(?:\/(\d+))?\](?:\/(\d+))?:([^:]+)$/.exec(text)
  let hostText: string
  let prefixText: string | undefined
  let portText: string
  if (bracketed) {
    hostText = bracketed[1] ?? ''
    prefixText = bracketed[2] ?? bracketed[3]
    portText = bracketed[4] ?? ''
  } else {
    const colon = text.lastIndexOf(':')
    if (colon <= 0) throw invalid(text, 'no port.')
    const hostPart = text.slice(0, colon)
    if (hostPart.includes(':')) throw invalid(text, 'IPv6 must be in brackets.')
    ;[hostText = '', prefixText] = hostPart.split('/')
    portText = text.slice(colon + 1)
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
    const list = new net.BlockList()
    list.addSubnet(hostText, prefix, family === 4 ? 'ipv4' : 'ipv6')
    return { text, host: { kind: 'cidr', list, prefix, family }, ports }
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
  const type = family === 4 ? 'ipv4' : 'ipv6'
  // Same family only: BlockList also matches IPv4 addresses against ::ffff:0:0/96.
  const inRange = (range: SpecialRange): boolean =>
    range.family === family && range.list.check(address, type)
  return SPECIAL_RANGES.find(inRange) ?? extra.find(inRange)
}

function ruleAllows(
  rule: AllowRule,
  host: string,
  port: number,
  resolved: string,
  resolvedFamily: 4 | 6,
  extra: readonly SpecialRange[],
): boolean {
  if (port < rule.ports.from || port > rule.ports.to) return false
  const { address, family } = judgedAddress(resolved, resolvedFamily)
  const type = family === 4 ? 'ipv4' : 'ipv6'
  const range = specialRangeOf(address, family, extra)
  switch (rule.host.kind) {
    case 'any':
      return range === undefined
    case 'name':
      return range === undefined && rule.host.name === normalizeHost(host)
    case 'cidr':
      // Same family only: an IPv6 rule never matches an unwrapped IPv4 address.
      if (rule.host.family !== family || !rule.host.list.check(address, type))
        return false
      // A special address needs a rule inside its range ("names it explicitly"):
      // 127.0.0.1/32 opens that address, 0.0.0.0/0 does not open loopback.
      return range === undefined || rule.host.prefix >= range.prefix
  }
}

/**
 * The first resolved address some rule allows for host:port, or undefined.
 * Callers connect to exactly this address, so a second DNS answer cannot
 * change where the connection goes (DNS rebinding).
 */
export function pickAllowedAddress(
  rules: readonly AllowRule[],
  host: string,
  port: number,
  addresses: readonly { address: string; family: number }[],
  hostRanges: readonly SpecialRange[] = [],
): { address: string; family: 4 | 6 } | undefined {
  for (const { address, family } of addresses) {
    if (family !== 4 && family !== 6) continue
    if (
      rules.some((rule) =>
        ruleAllows(rule, host, port, address, family, hostRanges),
      )
    )
      return { address, family }
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
