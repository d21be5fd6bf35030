import { SUBPROTOCOL_V1 } from './control-messages.js'

/**
 * `binary`: the raw byte pipe, websockify's subprotocol name, offered by noVNC.
 * Binary and text frames both carry bytes; the relay answers in binary frames.
 */
export const SUBPROTOCOL_BINARY = 'binary'

/** Subprotocols the relay accepts, most preferred first. */
export const SUPPORTED_SUBPROTOCOLS: readonly string[] = [
  SUBPROTOCOL_V1,
  SUBPROTOCOL_BINARY,
]

/** True when the relay speaks this subprotocol. */
export function isSupportedSubprotocol(name: string): boolean {
  return SUPPORTED_SUBPROTOCOLS.includes(name)
}

/**
 * Browsers cannot set headers on a WebSocket, so a token travels as one more
 * offered subprotocol, `wsrelay.token.<token>` (as Kubernetes does). The relay
 * never selects it and never logs it.
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'wsrelay.token.'

/** Tokens are used as they are inside a subprotocol name (RFC 7230 token characters). */
const TOKEN = /^[A-Za-z0-9._~+-]{16,256}$/

/** True for a token wsrelay accepts: 16-256 of A-Z a-z 0-9 . _ ~ + - (e.g. `openssl rand -hex 32`). */
export function isValidToken(token: string): boolean {
  return TOKEN.test(token)
}

/** The subprotocol entry that carries `token`. */
export function tokenSubprotocol(token: string): string {
  return TOKEN_SUBPROTOCOL_PREFIX + token
}
