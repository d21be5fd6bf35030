/**
 * Every close code wsrelay sends, with what it means and what the user can do.
 *
 * Standard RFC 6455 codes (section 7.4.1) are used where one fits; codes of our
 * own live in 4000-4999, the range RFC 6455 reserves for applications:
 * 40xx are about the target (TCP or UDP), 41xx about limits and policy of
 * the relay.
 */
export const CloseCode = {
  /** RFC 6455 1000: a normal close; when the relay sends it, the target closed after sending everything. */
  NORMAL_CLOSURE: 1000,
  /** RFC 6455 1001: the relay is shutting down. */
  RELAY_SHUTTING_DOWN: 1001,
  /** RFC 6455 1002: the peer broke the WebSocket protocol. */
  PROTOCOL_ERROR: 1002,
  /** RFC 6455 1007: a text frame (or close reason) was not valid UTF-8. */
  INVALID_PAYLOAD: 1007,
  /** RFC 6455 1008: a control message or request broke the relay's rules. */
  POLICY_VIOLATION: 1008,
  /** RFC 6455 1009: a message was larger than the relay accepts. */
  MESSAGE_TOO_BIG: 1009,
  /** RFC 6455 1011: the relay hit a bug. */
  INTERNAL_ERROR: 1011,
  /** RFC 6455 1013: the relay is at its connection limit. */
  RELAY_OVERLOADED: 1013,
  TARGET_REFUSED: 4000,
  TARGET_DNS_FAILED: 4001,
  TARGET_UNREACHABLE: 4002,
  TARGET_TIMEOUT: 4003,
  TARGET_RESET: 4004,
  TARGET_ERROR: 4005,
  UDP_TARGET_REFUSED: 4006,
  IDLE_TIMEOUT: 4100,
  PEER_UNRESPONSIVE: 4101,
  TARGET_NOT_ALLOWED: 4102,
  ORIGIN_NOT_ALLOWED: 4103,
  UNAUTHORIZED: 4104,
  SESSION_STALLED: 4105,
} as const

/** Name of a close code wsrelay sends, e.g. `'TARGET_REFUSED'`. */
export type CloseCodeName = keyof typeof CloseCode

/** Numeric value of a close code wsrelay sends. */
export type CloseCodeValue = (typeof CloseCode)[CloseCodeName]

/** One row of the close-code table. */
export interface CloseCodeInfo {
  readonly code: number
  readonly name: string
  /** One line: what happened. */
  readonly meaning: string
  /** One line: what the user can do about it. */
  readonly hint: string
  /**
   * Whether reconnecting by itself can help: true for a relay restart, a
   * target that is down or a dropped network; false when the same request
   * would be refused again (a policy, a bad message) or the session simply ended.
   */
  readonly retry: boolean
}

const info = (
  name: CloseCodeName,
  retry: boolean,
  meaning: string,
  hint: string,
): CloseCodeInfo => ({ code: CloseCode[name], name, meaning, hint, retry })

/** The close codes wsrelay sends, in table order. */
export const RELAY_CLOSE_CODES: readonly CloseCodeInfo[] = [
  info(
    'NORMAL_CLOSURE',
    false,
    'The connection closed normally (the TCP server or the browser ended it); nothing was lost.',
    'Nothing to fix. Connect again to start a new session.',
  ),
  info(
    'RELAY_SHUTTING_DOWN',
    true,
    'The relay is shutting down or restarting.',
    'Reconnect in a few seconds.',
  ),
  info(
    'PROTOCOL_ERROR',
    false,
    'The WebSocket peer broke the protocol (RFC 6455).',
    'Use a conforming WebSocket client.',
  ),
  info(
    'INVALID_PAYLOAD',
    false,
    'A text message (or close reason) was not valid UTF-8.',
    'Send text as UTF-8, or send bytes as a binary message.',
  ),
  info(
    'POLICY_VIOLATION',
    false,
    'A message broke the relay protocol or policy; the reason says which.',
    'Fix the message named in the reason, then reconnect.',
  ),
  info(
    'MESSAGE_TOO_BIG',
    false,
    'A WebSocket message was larger than the relay accepts (for a UDP target: larger than one datagram).',
    'Send smaller messages, or raise --max-message-size on the relay (--max-datagram-size for a UDP target).',
  ),
  info(
    'INTERNAL_ERROR',
    true,
    'The relay hit an unexpected error.',
    'Reconnect; if it repeats, report it with the relay log.',
  ),
  info(
    'RELAY_OVERLOADED',
    true,
    'The relay is at its connection limit.',
    'Try again later, or raise --max-connections on the relay.',
  ),
  info(
    'TARGET_REFUSED',
    true,
    'The TCP server refused the connection.',
    'Is the TCP server running and listening on that host and port?',
  ),
  info(
    'TARGET_DNS_FAILED',
    true,
    "The target's host name could not be resolved.",
    'Check the target host name for typos and that DNS works on the relay host.',
  ),
  info(
    'TARGET_UNREACHABLE',
    true,
    'There is no network route from the relay to the target.',
    'Check the target address and the network/firewall between relay and server.',
  ),
  info(
    'TARGET_TIMEOUT',
    true,
    'The TCP server did not answer in time.',
    'Is the server up and not firewalled? Raise --connect-timeout if it is slow.',
  ),
  info(
    'TARGET_RESET',
    true,
    'The TCP server reset the connection.',
    'The server dropped the session; check the server log, then reconnect.',
  ),
  info(
    'TARGET_ERROR',
    true,
    'The connection to the target failed.',
    'Check the relay log for the error, then reconnect.',
  ),
  info(
    'UDP_TARGET_REFUSED',
    true,
    'The UDP target refused a datagram (ICMP port unreachable): nothing listens on that port.',
    'Is the UDP server running and bound to that host and port? Reconnect once it is up.',
  ),
  info(
    'IDLE_TIMEOUT',
    false,
    'No data flowed either way for longer than the idle timeout.',
    'Send keep-alive data, or raise --idle-timeout on the relay (--udp-idle-timeout for a UDP target).',
  ),
  info(
    'PEER_UNRESPONSIVE',
    true,
    'The WebSocket peer stopped answering pings.',
    'Check the network between browser and relay, then reconnect.',
  ),
  info(
    'TARGET_NOT_ALLOWED',
    false,
    'The relay does not allow connections to that target.',
    'Ask the relay operator to allow it (--allow or --route).',
  ),
  info(
    'ORIGIN_NOT_ALLOWED',
    false,
    "The relay does not accept pages from this page's origin.",
    'The relay operator can allow it with --allow-origin ORIGIN.',
  ),
  info(
    'UNAUTHORIZED',
    false,
    'The relay needs a valid token, and none or a wrong one was offered.',
    'Offer the token as the subprotocol wsrelay.token.<token> (the client option token).',
  ),
  info(
    'SESSION_STALLED',
    true,
    'Nothing moved for longer than the stall timeout while the relay waited for a side to read.',
    'Check that the TCP server reads what it is sent; raise --stall-timeout if it pauses on purpose.',
  ),
]

/** Codes a browser reports itself; the relay never sends these. */
const LOCAL_CLOSE_CODES: readonly CloseCodeInfo[] = [
  {
    code: 1005,
    name: 'NO_STATUS',
    retry: true,
    meaning: 'The connection closed without a status code.',
    hint: 'Reconnect.',
  },
  {
    code: 1006,
    name: 'ABNORMAL_CLOSURE',
    retry: true,
    meaning: 'The connection dropped or could not be opened (no close frame).',
    hint: "Is the relay running and reachable at that URL? On wss://, an untrusted certificate fails the same way: open the relay's https:// address in the browser to see the certificate error.",
  },
  {
    code: 1015,
    name: 'TLS_HANDSHAKE_FAILED',
    retry: false,
    meaning: 'The TLS handshake with the relay failed.',
    hint: 'Check the relay certificate, or use ws:// for a relay without TLS.',
  },
]

const BY_CODE = new Map<number, CloseCodeInfo>(
  [...RELAY_CLOSE_CODES, ...LOCAL_CLOSE_CODES].map((row) => [row.code, row]),
)

/** Looks up a close code; unknown codes get a generic row. */
export function closeCodeInfo(code: number): CloseCodeInfo {
  return (
    BY_CODE.get(code) ?? {
      code,
      name: 'UNKNOWN',
      retry: code < 4000,
      meaning: `The connection closed with code ${code}.`,
      hint: 'See the reason, if any.',
    }
  )
}
