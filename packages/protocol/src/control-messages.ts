import { isTransport, type Transport } from './transport.js'
import { utf8ByteLength } from './utf8.js'

/**
 * The `wsrelay.v1` subprotocol: binary frames carry data, text frames carry
 * one JSON control message each.
 *
 * Client -> relay: `open` (first, exactly once), `ping`, `end`.
 * Relay -> client: `connected` (answer to `open`), `pong`, `end`, `notice`.
 */
export const SUBPROTOCOL_V1 = 'wsrelay.v1'

/** Longest control message accepted, in UTF-8 bytes; a host name is at most 253. */
export const MAX_CONTROL_MESSAGE_BYTES = 1024

/**
 * Open the connection to the target. With no fields the target is the one
 * the URL path names (a route, or the relay's fixed target); `route` picks a
 * named route; `host` and `port` ask for a target the relay's allow rules
 * must permit. `transport` picks TCP (the default) or UDP for `host` and
 * `port`; with a route or the path's target it is a check: the relay
 * refuses (4102) a target whose transport differs.
 */
export type OpenMessage = (
  | { readonly type: 'open' }
  | { readonly type: 'open'; readonly route: string }
  | { readonly type: 'open'; readonly host: string; readonly port: number }
) & { readonly transport?: Transport }

/** Round-trip probe; the relay answers `pong` with the same id and ts. */
export interface PingMessage {
  readonly type: 'ping'
  readonly id: number
  /** Sender's clock in ms, returned untouched so it can compute the round trip. */
  readonly ts: number
}

/**
 * "No more data from my side": maps to a TCP FIN in either direction. UDP
 * has no FIN: the relay takes no more data from the page, and the target's
 * datagrams keep coming.
 */
export interface EndMessage {
  readonly type: 'end'
}

/**
 * The relay's answer to `open`: the target is reached (TCP: the connection
 * is up; UDP: the socket is connected, which sends nothing). A client-chosen
 * target is echoed back with the address the relay checked and connected to;
 * a route or the relay's fixed target is named only by its route name, since
 * the operator's addresses are not the page's business.
 */
export interface ConnectedMessage {
  readonly type: 'connected'
  /** The route's name, when the target is a route. */
  readonly route?: string
  /** Client-chosen targets: the host as asked for. */
  readonly host?: string
  /** Client-chosen targets: the port as asked for. */
  readonly port?: number
  /** Client-chosen targets: the IP address the relay connected to (checked against the allow rules). */
  readonly address?: string
  /** `'udp'` for a datagram target; absent for TCP. */
  readonly transport?: Transport
}

/** Answer to `ping`. */
export interface PongMessage {
  readonly type: 'pong'
  readonly id: number
  readonly ts: number
}

/**
 * Something the page may want to show. `dropped`: UDP has no backpressure,
 * so datagrams from the target that arrive while the page is not reading
 * (the relay holds its high-water mark for it) are dropped; the counts are
 * this session's running totals. Sent at most once a second while drops
 * happen.
 */
export interface NoticeMessage {
  readonly type: 'notice'
  readonly kind: 'dropped'
  /** Datagrams dropped so far in this session. */
  readonly datagrams: number
  /** Their bytes. */
  readonly bytes: number
}

/** What a client may send. */
export type ClientControlMessage = OpenMessage | PingMessage | EndMessage
/** What the relay may send. */
export type RelayControlMessage =
  ConnectedMessage | PongMessage | EndMessage | NoticeMessage

/** A parsed message, or a one-line reason it was refused (fits a close frame). */
export type ParseResult<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly error: string }

const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/
/** Host names (RFC 1123 labels), IPv4, or IPv6 without brackets. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]+)$/

/** True for a route name the relay accepts in `--route NAME=...` and `open`. */
export function isValidRouteName(name: string): boolean {
  return ROUTE_NAME.test(name)
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isPort = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535
const isSafeNumber = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v)
const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

const fail = (error: string): { ok: false; error: string } => ({
  ok: false,
  error,
})

function checkKeys(
  record: Record<string, unknown>,
  allowed: readonly string[],
  type: string,
): string | undefined {
  const extra = Object.keys(record).filter((k) => !allowed.includes(k))
  return extra.length > 0
    ? `Unknown field "${extra[0] ?? ''}" in ${type}.`
    : undefined
}

function parseJson(text: string): ParseResult<Record<string, unknown>> {
  const bytes = utf8ByteLength(text)
  if (bytes > MAX_CONTROL_MESSAGE_BYTES) {
    return fail(
      `Control message too long (${bytes} bytes, limit ${MAX_CONTROL_MESSAGE_BYTES}).`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The parser's own message may quote the input; ours names the problem only.
    return fail('Control message is not valid JSON.')
  }
  if (!isRecord(value)) return fail('Control message must be a JSON object.')
  if (typeof value.type !== 'string')
    return fail('Control message needs a string "type".')
  return { ok: true, message: value }
}

function parsePingLike<T extends 'ping' | 'pong'>(
  m: Record<string, unknown>,
  type: T,
): ParseResult<{ type: T; id: number; ts: number }> {
  const extra = checkKeys(m, ['type', 'id', 'ts'], type)
  if (extra) return fail(extra)
  if (!isSafeNumber(m.id) || !Number.isInteger(m.id) || m.id < 0)
    return fail(`${type} needs a whole-number "id".`)
  if (!isSafeNumber(m.ts)) return fail(`${type} needs a numeric "ts".`)
  return { ok: true, message: { type, id: m.id, ts: m.ts } }
}

/**
 * Validates a text frame from a client. Never throws; the error is a short
 * sentence for the close reason.
 */
export function parseClientMessage(
  text: string,
): ParseResult<ClientControlMessage> {
  const parsed = parseJson(text)
  if (!parsed.ok) return parsed
  const m = parsed.message
  switch (m.type) {
    case 'open': {
      const extra = checkKeys(
        m,
        ['type', 'host', 'port', 'route', 'transport'],
        'open',
      )
      if (extra) return fail(extra)
      if (m.transport !== undefined && !isTransport(m.transport))
        return fail('open "transport" must be "tcp" or "udp".')
      const transport =
        m.transport === undefined ? {} : { transport: m.transport }
      if (m.route !== undefined) {
        if (m.host !== undefined || m.port !== undefined)
          return fail('open takes a route or a host and port, not both.')
        if (typeof m.route !== 'string' || !isValidRouteName(m.route))
          return fail('open "route" must be a route name.')
        return {
          ok: true,
          message: { type: 'open', route: m.route, ...transport },
        }
      }
      if (m.host === undefined && m.port === undefined)
        return { ok: true, message: { type: 'open', ...transport } }
      if (
        typeof m.host !== 'string' ||
        m.host.length === 0 ||
        m.host.length > 253 ||
        !HOST.test(m.host)
      ) {
        return fail('open "host" must be a host name or IP address.')
      }
      if (!isPort(m.port))
        return fail('open "port" must be a whole number from 1 to 65535.')
      return {
        ok: true,
        message: { type: 'open', host: m.host, port: m.port, ...transport },
      }
    }
    case 'ping':
      return parsePingLike(m, 'ping')
    case 'end': {
      const extra = checkKeys(m, ['type'], 'end')
      return extra ? fail(extra) : { ok: true, message: { type: 'end' } }
    }
    default:
      return fail(
        `Unknown control message type "${String(m.type).slice(0, 32)}".`,
      )
  }
}

/** Validates a text frame from the relay (used by the client). */
export function parseRelayMessage(
  text: string,
): ParseResult<RelayControlMessage> {
  const parsed = parseJson(text)
  if (!parsed.ok) return parsed
  const m = parsed.message
  switch (m.type) {
    case 'connected': {
      const hasTarget =
        m.host !== undefined || m.port !== undefined || m.address !== undefined
      if (
        hasTarget &&
        (typeof m.host !== 'string' ||
          typeof m.address !== 'string' ||
          !isPort(m.port))
      ) {
        return fail('connected needs host, port and address together.')
      }
      if (m.route !== undefined && typeof m.route !== 'string')
        return fail('connected "route" must be a string.')
      if (m.transport !== undefined && !isTransport(m.transport))
        return fail('connected "transport" must be "tcp" or "udp".')
      return {
        ok: true,
        message: {
          type: 'connected',
          ...(typeof m.route === 'string' ? { route: m.route } : {}),
          ...(hasTarget
            ? {
                host: m.host as string,
                port: m.port as number,
                address: m.address as string,
              }
            : {}),
          ...(m.transport === undefined ? {} : { transport: m.transport }),
        },
      }
    }
    case 'pong':
      return parsePingLike(m, 'pong')
    case 'end':
      return { ok: true, message: { type: 'end' } }
    case 'notice': {
      const extra = checkKeys(
        m,
        ['type', 'kind', 'datagrams', 'bytes'],
        'notice',
      )
      if (extra) return fail(extra)
      if (m.kind !== 'dropped')
        return fail(`Unknown notice kind "${String(m.kind).slice(0, 32)}".`)
      if (!isCount(m.datagrams) || !isCount(m.bytes))
        return fail('notice needs whole-number "datagrams" and "bytes".')
      return {
        ok: true,
        message: {
          type: 'notice',
          kind: 'dropped',
          datagrams: m.datagrams,
          bytes: m.bytes,
        },
      }
    }
    default:
      return fail(
        `Unknown control message type "${String(m.type).slice(0, 32)}".`,
      )
  }
}

/** Serializes a control message for a text frame. */
export function encodeControlMessage(
  message: ClientControlMessage | RelayControlMessage,
): string {
  return JSON.stringify(message)
}
