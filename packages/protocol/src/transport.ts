/**
 * How the relay reaches a target: `tcp`, a byte stream (the default), or
 * `udp`, datagrams (one WebSocket message is one datagram, both ways).
 */
export const TRANSPORTS = ['tcp', 'udp'] as const

/** A target's transport: `'tcp'` or `'udp'`. */
export type Transport = (typeof TRANSPORTS)[number]

/** True for `'tcp'` and `'udp'`. */
export function isTransport(value: unknown): value is Transport {
  return value === 'tcp' || value === 'udp'
}
