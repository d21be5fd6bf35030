import { CloseCode, fitCloseReason } from '@wsrelay/protocol'
import { RelayError, type RelayErrorCode } from '../errors.js'
import { formatHostPort, type HostPort } from './target-address.js'

/** How a failed TCP target is reported: an error for the log, a close for the browser. */
export interface TargetFailure {
  readonly error: RelayError
  readonly closeCode: number
  readonly closeReason: string
}

const DNS_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'])
const ROUTE_ERRORS = new Set([
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EHOSTDOWN',
  'ENETDOWN',
])
const RESET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

const errnoOf = (err: unknown): string =>
  typeof err === 'object' &&
  err !== null &&
  'code' in err &&
  typeof err.code === 'string'
    ? err.code
    : 'EUNKNOWN'

/**
 * Classifies a TCP socket error. The close reason names only the target's
 * host:port and the errno, nothing else about the relay's host.
 */
export function classifyTargetError(
  err: unknown,
  target: HostPort,
  phase: 'connect' | 'stream',
): TargetFailure {
  const where = formatHostPort(target)
  const errno = errnoOf(err)
  const make = (
    code: RelayErrorCode,
    closeCode: number,
    message: string,
    hint: string,
  ) => ({
    error: new RelayError(code, `${message} ${hint}`, { cause: err }),
    closeCode,
    closeReason: fitCloseReason(message),
  })

  if (phase === 'connect' && errno === 'ECONNREFUSED') {
    return make(
      'RELAY_TARGET_REFUSED',
      CloseCode.TARGET_REFUSED,
      `Cannot reach TCP target ${where} (ECONNREFUSED).`,
      'Is the TCP server running?',
    )
  }
  if (DNS_ERRORS.has(errno)) {
    return make(
      'RELAY_TARGET_DNS_FAILED',
      CloseCode.TARGET_DNS_FAILED,
      `Cannot resolve TCP target ${where} (${errno}).`,
      'Check the host name and DNS.',
    )
  }
  if (ROUTE_ERRORS.has(errno)) {
    return make(
      'RELAY_TARGET_UNREACHABLE',
      CloseCode.TARGET_UNREACHABLE,
      `No route to TCP target ${where} (${errno}).`,
      'Check the address and firewall.',
    )
  }
  if (errno === 'ETIMEDOUT') {
    return make(
      'RELAY_TARGET_TIMEOUT',
      CloseCode.TARGET_TIMEOUT,
      `TCP target ${where} did not answer in time (ETIMEDOUT).`,
      'Is the server up and not firewalled?',
    )
  }
  if (RESET_ERRORS.has(errno)) {
    return make(
      'RELAY_TARGET_RESET',
      CloseCode.TARGET_RESET,
      `TCP target ${where} reset the connection (${errno}).`,
      'Check the server log.',
    )
  }
  return make(
    'RELAY_TARGET_ERROR',
    CloseCode.TARGET_ERROR,
    `TCP connection to ${where} failed (${errno}).`,
    'Check the relay log.',
  )
}

/** The failure reported when the TCP handshake takes longer than allowed. */
export function connectTimeoutFailure(
  target: HostPort,
  timeoutMs: number,
): TargetFailure {
  const message = `TCP target ${formatHostPort(target)} did not answer within ${timeoutMs} ms.`
  return {
    error: new RelayError(
      'RELAY_TARGET_TIMEOUT',
      `${message} Is the server up and not firewalled? Raise --connect-timeout if it is slow.`,
    ),
    closeCode: CloseCode.TARGET_TIMEOUT,
    closeReason: fitCloseReason(message),
  }
}
