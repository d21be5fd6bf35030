/**
 * Every code a RelayError can carry, with what it means. A code that answers
 * a refusal or a target failure takes its fix from the close code's (or HTTP
 * status's) hint in `@wsrelay/protocol`; the others say their own fix. The
 * README's errors table is generated from this.
 */
export const RELAY_ERRORS = {
  RELAY_INVALID_OPTION: {
    meaning: 'a flag or option is malformed (the CLI exits 2)',
    fix: 'the message names the value and the expected form',
  },
  RELAY_LISTEN_FAILED: {
    meaning: 'the listen address is taken or invalid',
    fix: 'stop the other process or pick another port',
  },
  RELAY_TLS_INVALID: {
    meaning:
      '`--cert`/`--key` unreadable, not PEM, or not one key pair (CLI exits 2)',
    fix: 'fix the files named in the message',
  },
  RELAY_TARGET_REFUSED: { meaning: 'the TCP server refused the connection' },
  RELAY_TARGET_DNS_FAILED: {
    meaning: "the target's host name did not resolve",
  },
  RELAY_TARGET_UNREACHABLE: { meaning: 'no network route to the target' },
  RELAY_TARGET_TIMEOUT: { meaning: 'the TCP server did not answer in time' },
  RELAY_TARGET_RESET: { meaning: 'the TCP server reset the connection' },
  RELAY_TARGET_ERROR: {
    meaning: 'the connection to the target failed otherwise',
  },
  RELAY_UDP_TARGET_REFUSED: {
    meaning:
      'the UDP target answered a datagram with ICMP port unreachable (nothing listens there)',
  },
  RELAY_DATAGRAM_TOO_BIG: {
    meaning:
      'a message for a UDP target was larger than one datagram (`--max-datagram-size`, 65,507 bytes over IPv4)',
  },
  RELAY_SUBPROTOCOL_UNSUPPORTED: {
    meaning: 'the handshake offered only unknown subprotocols',
  },
  RELAY_UPGRADE_BODY: {
    meaning:
      'the upgrade request carried a body (Content-Length or Transfer-Encoding)',
  },
  RELAY_NO_ENDPOINT: {
    meaning:
      'attachRelay: an upgrade to a path no relay owns, on an app with no request handler',
  },
  RELAY_HOST_REJECTED: {
    meaning:
      "the Host header is not one of the relay's names (DNS rebinding guard)",
  },
  RELAY_SHUTTING_DOWN: { meaning: 'an upgrade arrived during a drain' },
  RELAY_ORIGIN_REJECTED: {
    meaning: 'a page from another origin was refused (logged)',
  },
  RELAY_UNAUTHORIZED: {
    meaning: 'missing or wrong token (logged without the token)',
  },
  RELAY_CONTROL_INVALID: {
    meaning: 'a `wsrelay.v1` message broke the protocol (logged)',
  },
  RELAY_PATH_INVALID: {
    meaning: 'the URL path has a malformed percent escape',
  },
  RELAY_TARGET_NOT_ALLOWED: {
    meaning: 'no route by that name, or a client-chosen target no rule allows',
  },
  RELAY_OVERLOADED: {
    meaning: 'over `--max-connections` or `--max-connections-per-ip`',
  },
  RELAY_FD_LIMIT: {
    meaning:
      'the process is near its open-file limit (`ulimit -n`): the descriptors left answer refusals',
  },
  RELAY_LOOKUPS_BUSY: {
    meaning:
      'over `--max-lookups` (and its queue) or `--max-lookups-per-ip`: too many client-chosen names resolving',
  },
  RELAY_MEMORY_BUDGET: {
    meaning:
      'shed: this connection waited too long for `--memory-budget` to admit its next read',
  },
  RELAY_INTERNAL_ERROR: {
    meaning:
      'the relay failed to choose a target (a bug; logged with the error)',
  },
} as const satisfies Record<
  string,
  { readonly meaning: string; readonly fix?: string }
>

/** Codes of the errors the relay throws or reports. */
export type RelayErrorCode = keyof typeof RELAY_ERRORS

/** Every code a RelayError can carry, in table order. */
export const RELAY_ERROR_CODES = Object.keys(RELAY_ERRORS) as RelayErrorCode[]

/** Every error the relay creates; `code` tells them apart. */
export class RelayError extends Error {
  override name = 'RelayError'
  readonly code: RelayErrorCode
  constructor(code: RelayErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
