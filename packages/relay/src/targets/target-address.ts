import net from 'node:net'
import { RelayError } from '../errors.js'

/** A TCP endpoint: host name or IP address, and port. */
export interface HostPort {
  readonly host: string
  readonly port: number
}

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
