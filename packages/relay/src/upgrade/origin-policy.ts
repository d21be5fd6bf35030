import { RelayError } from '../errors.js'

/** `https://Example.com:443` and `https://example.com` are one origin. */
function hostPortOf(origin: string): string | undefined {
  try {
    const url = new URL(origin)
    return url.host.toLowerCase() // URL drops the scheme's default port
  } catch {
    return undefined
  }
}

/**
 * Origin policy for WebSocket upgrades. Allowed: requests without an Origin
 * (non-browser tools), pages from the relay's own host:port (compared with the
 * Host header, so the same page works over http and behind a TLS proxy), and
 * origins listed with `--allow-origin` (`*` allows all).
 */
export function isOriginAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true
  if (allowed.includes('*')) return true
  // normalizeOrigin keeps what it cannot parse ("null") as it is, so it still matches itself.
  const wanted = normalizeOrigin(origin)
  if (allowed.some((a) => normalizeOrigin(a) === wanted)) return true
  const originHost = hostPortOf(origin)
  return (
    originHost !== undefined &&
    hostHeader !== undefined &&
    originHost === hostHeader.toLowerCase()
  )
}

/** Scheme and host:port, lower case, default port dropped. */
export function normalizeOrigin(origin: string): string {
  try {
    const url = new URL(origin)
    return `${url.protocol}//${url.host}`.toLowerCase()
  } catch {
    return origin
  }
}

/**
 * Checks `--allow-origin` values: `*`, `null` (the opaque origin of sandboxed
 * and file pages), or an origin, scheme://host[:port] with nothing after it.
 * A bare port or address here is almost always an argument the flag took by
 * mistake, so it is refused with the form an origin has.
 */
export function parseAllowedOrigins(
  items: readonly string[],
  where: string,
): readonly string[] {
  for (const text of items) {
    if (text === '*' || text === 'null') continue
    let url: URL | undefined
    try {
      url = new URL(text)
    } catch {
      url = undefined
    }
    const isOrigin =
      url !== undefined &&
      /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(text) &&
      url.host !== '' &&
      url.username === '' &&
      url.password === ''
    if (!isOrigin) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Invalid ${where} ${JSON.stringify(text)}: expected an origin, scheme://host[:port] such as https://app.example or http://localhost:5173 (no path), or *.`,
      )
    }
  }
  return items
}
