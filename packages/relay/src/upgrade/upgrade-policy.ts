import type http from 'node:http'
import {
  CloseCode,
  SUBPROTOCOL_V1,
  TOKEN_SUBPROTOCOL_PREFIX,
  isSupportedSubprotocol,
} from '@wsrelay/protocol'
import { clientAddressOf } from './client-address.js'
import type { ConnectionRefusal } from '../connection/connection.js'
import type { RelayErrorCode } from '../errors.js'
import type { HostAllowlist } from './host-allowlist.js'
import type { RefusalReason } from '../observability/metrics.js'
import type { ResolvedRelayOptions } from '../settings/relay-options.js'
import { isOriginAllowed } from './origin-policy.js'
import { offersToken, redactTokens } from './token.js'

/** What to do with an upgrade request, decided before the handshake. */
export type UpgradeDecision =
  | {
      /** Answer with an HTTP status and drop the socket: no WebSocket at all. */
      readonly kind: 'reject'
      readonly status: number
      readonly message: string
      readonly why: RefusalReason
      readonly errorCode: RelayErrorCode
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

/** The parts of the relay the policy reads. */
export interface UpgradePolicyContext {
  readonly config: Pick<
    ResolvedRelayOptions,
    'allowOrigin' | 'token' | 'trustProxy'
  >
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
 * DNS rebinding), subprotocols (400), then origin (4103) and token (4104),
 * which are accepted and closed so the page can read why. Never throws:
 * every header here is the network's.
 */
export function decideUpgrade(
  req: http.IncomingMessage,
  { config, hosts, isDraining }: UpgradePolicyContext,
): UpgradeDecision {
  const clientAddress = clientAddressOf(req, config.trustProxy)
  const reject = (
    status: number,
    message: string,
    why: RefusalReason,
    errorCode: RelayErrorCode,
  ): UpgradeDecision => ({
    kind: 'reject',
    status,
    message,
    why,
    errorCode,
    clientAddress,
  })
  if (isDraining()) {
    return reject(
      503,
      'The relay is shutting down. Try again shortly.',
      'shutting-down',
      'RELAY_SHUTTING_DOWN',
    )
  }
  const host = req.headers.host
  if (!hosts.isAllowed(host))
    return reject(403, hostRefusal(host), 'host', 'RELAY_HOST_REJECTED')
  const offered = offeredProtocols(req.headers['sec-websocket-protocol'])
  const protocols = offered.filter(
    (p) => !p.startsWith(TOKEN_SUBPROTOCOL_PREFIX),
  )
  if (protocols.length > 0 && !protocols.some(isSupportedSubprotocol)) {
    return reject(
      400,
      `Unsupported WebSocket subprotocol(s) ${redactTokens(protocols).join(', ')}. Offer "${SUBPROTOCOL_V1}", "binary" or none.`,
      'subprotocol',
      'RELAY_SUBPROTOCOL_UNSUPPORTED',
    )
  }
  const mode =
    protocols.find(isSupportedSubprotocol) === SUBPROTOCOL_V1 ? 'v1' : 'raw'
  // hybi-08 clients (Sec-WebSocket-Version: 8) send Sec-WebSocket-Origin.
  const originHeader = req.headers.origin ?? req.headers['sec-websocket-origin']
  const origin = Array.isArray(originHeader) ? originHeader[0] : originHeader
  if (!isOriginAllowed(origin, host, config.allowOrigin)) {
    return {
      kind: 'accept',
      clientAddress,
      mode,
      refusal: {
        code: CloseCode.ORIGIN_NOT_ALLOWED,
        reason: `Origin ${origin ?? ''} is not allowed. The relay operator can allow it with --allow-origin ${origin ?? ''}`,
        why: 'origin',
        errorCode: 'RELAY_ORIGIN_REJECTED',
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
        code: CloseCode.UNAUTHORIZED,
        reason: hasToken
          ? 'Wrong token. Offer the subprotocol wsrelay.token.<token> with the right one.'
          : 'A token is required: offer it as the subprotocol wsrelay.token.<token>.',
        why: 'token',
        errorCode: 'RELAY_UNAUTHORIZED',
      },
    }
  }
  return { kind: 'accept', clientAddress, mode }
}

/** The 403 text for a Host that is not the relay's: names the flag that admits it. */
export function hostRefusal(host: string | undefined): string {
  const shown = (host ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 100)
  return (
    `Host "${shown}" is not one of this relay's names (a guard against DNS rebinding). ` +
    `If this name is yours, start the relay with --allow-host ${shown.replace(/:\d+$/, '') || 'NAME'}`
  )
}
