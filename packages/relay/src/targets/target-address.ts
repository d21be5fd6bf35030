import net from 'node:net'
import { isTransport, type Transport } from '@wsrelay/protocol'
import { RelayError } from '../errors.js'

/** An endpoint: host name or IP address, and port. */
export interface HostPort {
  readonly host: string
  readonly port: number
}

/**
 * A target: an endpoint and its transport. `transport` is present only for
 * UDP; absent means TCP, as for every target before datagram targets.
 */
export interface TargetAddress extends HostPort {
  readonly transport?: 'udp'
}

/** A target's transport: `udp` when it says so, else `tcp`. */
export const transportOf = (target: {
  readonly transport?: Transport
}): Transport => target.transport ?? 'tcp'

/** The target as written on the command line: `udp:host:port` for UDP, `host:port` for TCP. */
export function formatTarget(target: TargetAddress): string {
  const where = formatHostPort(target)
  return target.transport === 'udp' ? `udp:${where}` : where
}

/** Keeps `transport` only when it is UDP, so a TCP target compares equal to `{ host, port }`. */
const withTransport = (where: HostPort, transport: Transport): TargetAddress =>
  transport === 'udp' ? { ...where, transport } : where

/** Formats an endpoint as `host:port`, bracketing IPv6 addresses. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

function parsePort(text: string, what: string, allowZero: boolean): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  const min = allowZero ? 0 : 1
  if (!(port >= min && port <= 65535)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid ${what} port "${text}": expected a number from ${min} to 65535.`,
    )
  }
  return port
}

/**
 * Checks an endpoint given as an object (`{ host, port }`), as the library
 * takes it: a host without spaces, brackets or slashes, and a port in range.
 */
export function checkHostPort(
  host: unknown,
  port: unknown,
  what: 'listen' | 'target',
): HostPort {
  if (typeof host !== 'string' || !/^[^\s[\]/]+$/.test(host)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid ${what} host ${JSON.stringify(host) ?? String(host)}: expected a host name or IP address, e.g. 127.0.0.1.`,
    )
  }
  const min = what === 'listen' ? 0 : 1
  if (
    !Number.isInteger(port) ||
    (port as number) < min ||
    (port as number) > 65535
  ) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid ${what} port "${String(port)}": expected a number from ${min} to 65535.`,
    )
  }
  return { host, port: port as number }
}

/**
 * Parses `host:port`, `[v6]:port`, or (when `defaultHost` is given) a bare
 * `port`, as websockify's command line does.
 */
export function parseHostPort(
  text: string,
  what: 'listen' | 'target',
  defaultHost?: string,
): HostPort {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text)
  if (bracketed) {
    return {
      host: bracketed[1] ?? '',
      port: parsePort(bracketed[2] ?? '', what, what === 'listen'),
    }
  }
  const colon = text.lastIndexOf(':')
  if (colon === -1) {
    if (defaultHost === undefined) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Invalid ${what} address "${text}": expected host:port, e.g. 127.0.0.1:5000.`,
      )
    }
    return { host: defaultHost, port: parsePort(text, what, what === 'listen') }
  }
  const host = text.slice(0, colon)
  if (host.length === 0 || host.includes(':')) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid ${what} address "${text}": expected host:port (IPv6 as [::1]:port).`,
    )
  }
  return {
    host,
    port: parsePort(text.slice(colon + 1), what, what === 'listen'),
  }
}

/**
 * Parses a target: `host:port` or `[v6]:port` (TCP), or the same behind
 * `udp:` (UDP) or `tcp:`. A leading `udp:` or `tcp:` is always the
 * transport, so `udp:5000` is refused (no host) rather than read as a host
 * named udp.
 */
export function parseTargetAddress(text: string): TargetAddress {
  const prefixed = /^(tcp|udp):(.*)$/s.exec(text)
  if (!prefixed) return parseHostPort(text, 'target')
  const transport = prefixed[1] as Transport
  const rest = prefixed[2] ?? ''
  if (rest.length === 0 || (!rest.includes(':') && !rest.startsWith('['))) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid target address "${text}": expected ${transport}:host:port, e.g. ${transport}:127.0.0.1:${transport === 'udp' ? 27015 : 5000}.`,
    )
  }
  return withTransport(parseHostPort(rest, 'target'), transport)
}

/**
 * Checks a target given as an object, as the library takes it:
 * `{ host, port }` (TCP) or `{ host, port, transport: 'udp' }`.
 */
export function checkTargetAddress(value: {
  readonly host?: unknown
  readonly port?: unknown
  readonly transport?: unknown
}): TargetAddress {
  const { transport = 'tcp' } = value
  if (!isTransport(transport)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid target transport ${JSON.stringify(transport) ?? String(transport)}: expected "tcp" or "udp".`,
    )
  }
  return withTransport(
    checkHostPort(value.host, value.port, 'target'),
    transport,
  )
}

/**
 * Checks `--dns-server` entries: an IP address, `IP:PORT` or `[v6]:PORT`.
 * Returns them as `dns.Resolver.setServers` takes them.
 */
export function parseDnsServers(items: readonly string[]): readonly string[] {
  return items.map((text) => {
    if (net.isIP(text) !== 0) return text
    const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text)
    const plain = /^([^:[\]]+):(\d{1,5})$/.exec(text)
    const [, host = '', port = ''] = bracketed ?? plain ?? []
    const portNumber = Number(port)
    if (net.isIP(host) === 0 || !(portNumber >= 1 && portNumber <= 65535)) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Invalid --dns-server "${text}": expected an IP address, IP:PORT or [v6]:PORT, e.g. 10.0.0.2 or 127.0.0.1:5353.`,
      )
    }
    return text
  })
}
