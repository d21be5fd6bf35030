import type http from 'node:http'
import type { BlockList } from 'node:net'
import {
  SUBPROTOCOL_V1,
  TOKEN_SUBPROTOCOL_PREFIX,
  isSupportedSubprotocol,
} from '@wsrelay/protocol'
import { clientAddressOf } from './client-address.js'
import { hintOf, REFUSALS, type ConnectionRefusalKind } from '../refusals.js'
import type { HostAllowlist } from './host-allowlist.js'
import { isOriginAllowed } from './origin-policy.js'
import { offersToken } from './token.js'

/** A refusal answered after the handshake: the kind (its close code, error code, metric) and the reason the page reads. */
export interface ConnectionRefusal {
  readonly kind: ConnectionRefusalKind
  readonly reason: string
}

/** What to do with an upgrade request, decided before the handshake. */
export type UpgradeDecision =
  | {
      /** Answer with the refusal's HTTP status and drop the socket: no WebSocket at all. */
      readonly kind: 'reject'
      readonly refusal: HttpRefusalKind
      /** The response body: what happened, then the hint. */
      readonly message: string
      readonly clientAddress: string
    }
  | {
      /**
       * Complete the handshake. With a `refusal`, the WebSocket is closed at
       * once with a 4xxx code and reason the page can show (a browser cannot
       * read an HTTP status), and no TCP connection is made.
       */
      readonly kind: 'accept'
      readonly clientAddress: string
      readonly mode: 'raw' | 'v1'
      readonly refusal?: ConnectionRefusal
    }

/** Refusals answered with an HTTP status, before any WebSocket exists. */
export type HttpRefusalKind =
  'shuttingDown' | 'hostRejected' | 'subprotocolUnsupported' | 'upgradeBody'

/** The parts of the relay the policy reads. */
export interface UpgradePolicyContext {
  readonly config: {
    /** Page origins allowed besides the relay's own. */
    readonly allowOrigin: readonly string[]
    readonly token: string | undefined
    /** Proxies whose X-Forwarded-For names the client. */
    readonly trustProxy: BlockList | undefined
  }
  readonly hosts: HostAllowlist
  readonly isDraining: () => boolean
}

/** Splits a Sec-WebSocket-Protocol header into names. */
export const offeredProtocols = (header: string | undefined): string[] =>
  (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)

/**
 * The upgrade policy, in order: draining (503), Host allowlist (403, against
 * DNS rebinding), a body (400), subprotocols (400), then origin (4103) and token (4104),
 * which are accepted and closed so the page can read why. Never throws:
 * every header here is the network's.
 */
export function decideUpgrade(
  req: http.IncomingMessage,
  { config, hosts, isDraining }: UpgradePolicyContext,
): UpgradeDecision {
  const clientAddress = clientAddressOf(req, config.trustProxy)
  const reject = (refusal: HttpRefusalKind, what: string): UpgradeDecision => ({
    kind: 'reject',
    refusal,
    message: `${what} ${hintOf(REFUSALS[refusal].answer)}`,
    clientAddress,
  })
  if (isDraining()) return reject('shuttingDown', 'The relay is shutting down.')
  const host = req.headers.host
  if (!hosts.isAllowed(host)) {
    return {
      kind: 'reject',
      refusal: 'hostRejected',
      message: hostRefusal(host),
      clientAddress,
    }
  }
  // A body would reach ws as the first bytes after the handshake: frames
  // the client never framed (a masked frame in it would reach the target).
  const length = req.headers['content-length']
  if (
    req.headers['transfer-encoding'] !== undefined ||
    (length !== undefined && length !== '0')
  ) {
    return reject(
      'upgradeBody',
      'The upgrade request carries a body (Content-Length or Transfer-Encoding).',
    )
  }
  const offered = offeredProtocols(req.headers['sec-websocket-protocol'])
  const protocols = offered.filter(
    (p) => !p.startsWith(TOKEN_SUBPROTOCOL_PREFIX),
  )
  if (protocols.length > 0 && !protocols.some(isSupportedSubprotocol)) {
    return reject(
      'subprotocolUnsupported',
      // Shown as offered: the redaction point hides any token on the way out.
      `Unsupported WebSocket subprotocol(s) ${protocols.join(', ')}.`,
    )
  }
  const mode =
    protocols.find(isSupportedSubprotocol) === SUBPROTOCOL_V1 ? 'v1' : 'raw'
  // hybi-08 clients (Sec-WebSocket-Version: 8) send Sec-WebSocket-Origin.
  const originHeader = req.headers.origin ?? req.headers['sec-websocket-origin']
  const origin = Array.isArray(originHeader) ? originHeader[0] : originHeader
  if (!isOriginAllowed(origin, host, config.allowOrigin)) {
    // The reason names the origin in the flag that admits it: the walkthrough's
    // page shows only the reason, and the operator can paste the flag.
    return {
      kind: 'accept',
      clientAddress,
      mode,
      refusal: {
        kind: 'originRejected',
        reason: `Origin ${origin ?? ''} is not allowed. The relay operator can allow it with --allow-origin ${origin ?? ''}`,
      },
    }
  }
  if (config.token !== undefined && !offersToken(offered, config.token)) {
    const hasToken = offered.length > protocols.length
    return {
      kind: 'accept',
      clientAddress,
      mode,
      refusal: {
        kind: 'unauthorized',
        reason: hasToken ? 'Wrong token.' : 'No token was offered.',
      },
    }
  }
  return { kind: 'accept', clientAddress, mode }
}

/** The 403 text for a Host that is not the relay's: the hint, with the name that admits it. */
export function hostRefusal(host: string | undefined): string {
  const shown = (host ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 100)
  const name = shown.replace(/:\d+$/, '') || 'NAME'
  return (
    `Host "${shown}" is not one of this relay's names (a guard against DNS rebinding). ` +
    hintOf(REFUSALS.hostRejected.answer).replace('NAME', name)
  )
}
