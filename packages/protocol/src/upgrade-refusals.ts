/**
 * Why the relay answers a WebSocket upgrade with an HTTP status instead of a
 * WebSocket. A browser sees only a failed connection (1006), so refusals a
 * page must read are close codes instead (`RELAY_CLOSE_CODES`); these three
 * are for load balancers, non-browser clients and logs.
 */
export interface UpgradeRefusalInfo {
  readonly status: number
  readonly name: string
  /** One line: what happened. */
  readonly meaning: string
  /** One line: what to do about it. */
  readonly hint: string
}

/** The HTTP statuses the relay refuses an upgrade with, in table order. */
export const UPGRADE_REFUSALS: readonly UpgradeRefusalInfo[] = [
  {
    status: 400,
    name: 'SUBPROTOCOL_UNSUPPORTED',
    meaning:
      'The handshake offered only subprotocols the relay does not speak.',
    hint: 'Offer "wsrelay.v1", "binary" or none.',
  },
  {
    status: 403,
    name: 'HOST_NOT_ALLOWED',
    meaning:
      "The Host header is not one of the relay's names (a guard against DNS rebinding).",
    // No period: the relay puts the name in, and the line ends with a flag to paste.
    hint: 'If this name is yours, start the relay with --allow-host NAME',
  },
  {
    status: 503,
    name: 'RELAY_DRAINING',
    meaning: 'The relay is shutting down and takes no new connections.',
    hint: 'Try again shortly (a load balancer retries another relay).',
  },
]

/** The row of an upgrade refusal status; throws for a status the relay never answers with. */
export function upgradeRefusalInfo(status: number): UpgradeRefusalInfo {
  const row = UPGRADE_REFUSALS.find((r) => r.status === status)
  if (!row)
    throw new RangeError(`The relay never refuses an upgrade with ${status}.`)
  return row
}
