import {
  CloseCode,
  closeCodeInfo,
  fitCloseReason,
  type CloseCodeValue,
} from '@wsrelay/protocol'
import { RelayError, type RelayErrorCode } from '../errors.js'
import { formatHostPort, type HostPort } from './target-address.js'

/** How a failed TCP target is reported: an error for the log, a close for the browser. */
export interface TargetFailure {
  readonly error: RelayError
  readonly closeCode: number
  readonly closeReason: string
}

/** One kind of target failure: its error code, its close code, and the socket errors that mean it. */
interface FailureKind {
  readonly errorCode: RelayErrorCode
  readonly close: CloseCodeValue
  /** What the close reason says, for `where` and the errno. */
  readonly says: (where: string, errno: string) => string
  readonly errnos: readonly string[]
}

/**
 * The ways a TCP target fails, once: close code, error code, and the errnos
 * that mean each. The hint the log adds is the close code's, from
 * `@wsrelay/protocol`: the same words the browser shows.
 */
export const TARGET_FAILURES = {
  refused: {
    errorCode: 'RELAY_TARGET_REFUSED',
    close: CloseCode.TARGET_REFUSED,
    says: (where) => `Cannot reach TCP target ${where} (ECONNREFUSED).`,
    errnos: ['ECONNREFUSED'],
  },
  dnsFailed: {
    errorCode: 'RELAY_TARGET_DNS_FAILED',
    close: CloseCode.TARGET_DNS_FAILED,
    says: (where, errno) => `Cannot resolve TCP target ${where} (${errno}).`,
    errnos: ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'],
  },
  unreachable: {
    errorCode: 'RELAY_TARGET_UNREACHABLE',
    close: CloseCode.TARGET_UNREACHABLE,
    says: (where, errno) => `No route to TCP target ${where} (${errno}).`,
    errnos: [
      'EHOSTUNREACH',
      'ENETUNREACH',
      'EADDRNOTAVAIL',
      'EHOSTDOWN',
      'ENETDOWN',
    ],
  },
  timeout: {
    errorCode: 'RELAY_TARGET_TIMEOUT',
    close: CloseCode.TARGET_TIMEOUT,
    says: (where) => `TCP target ${where} did not answer in time (ETIMEDOUT).`,
    errnos: ['ETIMEDOUT'],
  },
  reset: {
    errorCode: 'RELAY_TARGET_RESET',
    close: CloseCode.TARGET_RESET,
    says: (where, errno) =>
      `TCP target ${where} reset the connection (${errno}).`,
    errnos: ['ECONNRESET', 'EPIPE', 'ECONNABORTED'],
  },
  fdLimit: {
    errorCode: 'RELAY_FD_LIMIT',
    close: CloseCode.RELAY_OVERLOADED,
    says: (where, errno) =>
      `Relay is at its open-file limit: cannot open a connection to ${where} (${errno}). Try again later.`,
    errnos: ['EMFILE', 'ENFILE'],
  },
  other: {
    errorCode: 'RELAY_TARGET_ERROR',
    close: CloseCode.TARGET_ERROR,
    says: (where, errno) => `TCP connection to ${where} failed (${errno}).`,
    errnos: [],
  },
} as const satisfies Record<string, FailureKind>

const errnoOf = (err: unknown): string =>
  typeof err === 'object' &&
  err !== null &&
  'code' in err &&
  typeof err.code === 'string'
    ? err.code
    : 'EUNKNOWN'

/** The failure: the reason the browser reads, and the same words plus the hint for the log. */
function failure(
  kind: FailureKind,
  message: string,
  cause?: unknown,
): TargetFailure {
  const { hint } = closeCodeInfo(kind.close)
  return {
    error: new RelayError(
      kind.errorCode,
      `${message} ${hint}`,
      cause === undefined ? undefined : { cause },
    ),
    closeCode: kind.close,
    closeReason: fitCloseReason(message),
  }
}

/**
 * Classifies a TCP socket error. The close reason names only the target's
 * host:port and the errno, nothing else about the relay's host.
 * ECONNREFUSED means "refused" only while connecting.
 */
export function classifyTargetError(
  err: unknown,
  target: HostPort,
  phase: 'connect' | 'stream',
): TargetFailure {
  const errno = errnoOf(err)
  const kinds: FailureKind[] = Object.values(TARGET_FAILURES)
  const kind =
    kinds.find(
      (k) =>
        k.errnos.includes(errno) &&
        (k !== TARGET_FAILURES.refused || phase === 'connect'),
    ) ?? TARGET_FAILURES.other
  return failure(kind, kind.says(formatHostPort(target), errno), err)
}

/** The failure reported when the TCP handshake takes longer than allowed. */
export function connectTimeoutFailure(
  target: HostPort,
  timeoutMs: number,
): TargetFailure {
  return failure(
    TARGET_FAILURES.timeout,
    `TCP target ${formatHostPort(target)} did not answer within ${timeoutMs} ms.`,
  )
}

/**
 * The failure reported when a client-chosen name does not resolve: always
 * 4001, whatever the resolver said (a DNS server that refuses is not a
 * TCP target that refuses).
 */
export function lookupFailure(err: unknown, target: HostPort): TargetFailure {
  const kind = TARGET_FAILURES.dnsFailed
  return failure(kind, kind.says(formatHostPort(target), errnoOf(err)), err)
}
