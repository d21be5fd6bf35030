import type { Transport } from './transport.js'

/** The path where a relay lists what it offers (unless the operator hides it). */
export const ROUTES_PATH = '/routes'

/**
 * What `GET /routes` answers: the route names (never their addresses) and
 * each one's transport, whether the URL path's default target exists (and
 * its transport), and whether `wsrelay.v1` clients may choose a target
 * themselves (over which transports). The transport fields are optional
 * for readers: a relay without datagram targets answered without them, and
 * a missing one means TCP.
 */
export interface RelayOffer {
  readonly routes: readonly string[]
  /** Each route's transport, by name. */
  readonly transports?: Readonly<Record<string, Transport>>
  readonly defaultTarget: boolean
  /** The default target's transport, when there is one. */
  readonly defaultTransport?: Transport
  readonly clientChosenTargets: boolean
  /** The transports the `--allow` rules open to client-chosen targets. */
  readonly clientChosenTransports?: readonly Transport[]
}
