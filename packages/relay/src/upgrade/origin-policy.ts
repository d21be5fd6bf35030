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
