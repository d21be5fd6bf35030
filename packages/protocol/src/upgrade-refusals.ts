/**
 * Why the relay answers a WebSocket upgrade with an HTTP status instead of a
 * WebSocket. A browser sees only a failed connection (1006), so refusals a
 * page must read are close codes instead (`RELAY_CLOSE_CODES`); these are
 * for load balancers, non-browser clients and logs.
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
    status: 400,
    name: 'UPGRADE_HAS_BODY',
    meaning:
      'The upgrade request carried a body (Content-Length or Transfer-Encoding); RFC 6455 handshakes have none.',
    hint: 'Send the upgrade as a GET without a body; send data as WebSocket frames after the 101.',
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
    status: 404,
    name: 'NO_ENDPOINT',
    meaning:
      'An upgrade to a path no relay attached to the app owns, on an app with no request handler to answer it.',
    hint: 'Connect to the path the relay is attached on (attachRelay option path).',
  },
  {
    status: 503,
    name: 'RELAY_DRAINING',
    meaning: 'The relay is shutting down and takes no new connections.',
    hint: 'Try again shortly (a load balancer retries another relay).',
  },
]

/** The row of an upgrade refusal, by name; throws for a refusal the relay never answers with. */
export function upgradeRefusalInfo(name: string): UpgradeRefusalInfo {
  const row = UPGRADE_REFUSALS.find((r) => r.name === name)
  if (!row)
    throw new RangeError(`The relay never refuses an upgrade as ${name}.`)
  return row
}
