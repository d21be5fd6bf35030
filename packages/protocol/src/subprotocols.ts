/**
 * `binary`: the raw byte pipe, websockify's subprotocol name, offered by noVNC.
 * Binary and text frames both carry bytes; the relay answers in binary frames.
 */
export const SUBPROTOCOL_BINARY = 'binary'

/** Subprotocols the relay accepts, most preferred first. */
export const SUPPORTED_SUBPROTOCOLS: readonly string[] = [SUBPROTOCOL_BINARY]

/** True when the relay speaks this subprotocol. */
export function isSupportedSubprotocol(name: string): boolean {
  return SUPPORTED_SUBPROTOCOLS.includes(name)
}
