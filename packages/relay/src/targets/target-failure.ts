import {
  CloseCode,
  closeCodeInfo,
  fitCloseReason,
  type CloseCodeValue,
  type Transport,
} from '@wsrelay/protocol'
import { RelayError, type RelayErrorCode } from '../errors.js'
import { formatHostPort, transportOf, type HostPort } from './target-address.js'

/** A target as the failures name it: where, and over which transport (absent: TCP). */
type Where = HostPort & { readonly transport?: Transport }

/** How a failed target is reported: an error for the log, a close for the browser. */
export interface TargetFailure {
  readonly error: RelayError
  readonly closeCode: number
  readonly closeReason: string
}

/** One kind of target failure: its error code, its close code, and the socket errors that mean it. */
interface FailureKind {
  readonly errorCode: RelayErrorCode
  readonly close: CloseCodeValue
  /** What the close reason says, for `where`, the errno and the transport's name (`TCP`, `UDP`). */
  readonly says: (where: string, errno: string, name: string) => string
  readonly errnos: readonly string[]
  /** The transports this kind happens on; both when absent. */
  readonly only?: Transport
}

/**
 * The ways a target fails, once: close code, error code, and the errnos
 * that mean each. The hint the log adds is the close code's, from
 * `@wsrelay/protocol`: the same words the browser shows.
 */
export const TARGET_FAILURES = {
  refused: {
    errorCode: 'RELAY_TARGET_REFUSED',
    close: CloseCode.TARGET_REFUSED,
    says: (where) => `Cannot reach TCP target ${where} (ECONNREFUSED).`,
    errnos: ['ECONNREFUSED'],
    only: 'tcp',
  },
  // A connected UDP socket hears ICMP port unreachable as ECONNREFUSED, on
  // whichever datagram it answers: nothing listens there (any more).
  udpRefused: {
    errorCode: 'RELAY_UDP_TARGET_REFUSED',
    close: CloseCode.UDP_TARGET_REFUSED,
    says: (where) =>
      `UDP target ${where} refused a datagram (ICMP port unreachable).`,
    errnos: ['ECONNREFUSED'],
    only: 'udp',
  },
  // The relay checks the size itself before sending; EMSGSIZE is the kernel
  // saying the same about a limit the relay could not know.
  datagramTooBig: {
    errorCode: 'RELAY_DATAGRAM_TOO_BIG',
    close: CloseCode.MESSAGE_TOO_BIG,
    says: (where) =>
      `Message too big for one UDP datagram to ${where} (EMSGSIZE).`,
    errnos: ['EMSGSIZE'],
    only: 'udp',
  },
  dnsFailed: {
    errorCode: 'RELAY_TARGET_DNS_FAILED',
    close: CloseCode.TARGET_DNS_FAILED,
    says: (where, errno, name) =>
      `Cannot resolve ${name} target ${where} (${errno}).`,
    errnos: ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'],
  },
  unreachable: {
    errorCode: 'RELAY_TARGET_UNREACHABLE',
    close: CloseCode.TARGET_UNREACHABLE,
    says: (where, errno, name) =>
      `No route to ${name} target ${where} (${errno}).`,
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
    says: (where, _errno, name) =>
      `${name} target ${where} did not answer in time (ETIMEDOUT).`,
    errnos: ['ETIMEDOUT'],
  },
  reset: {
    errorCode: 'RELAY_TARGET_RESET',
    close: CloseCode.TARGET_RESET,
    says: (where, errno) =>
      `TCP target ${where} reset the connection (${errno}).`,
    errnos: ['ECONNRESET', 'EPIPE', 'ECONNABORTED'],
    only: 'tcp',
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
    says: (where, errno, name) =>
      `${name} connection to ${where} failed (${errno}).`,
    errnos: [],
  },
} as const satisfies Record<string, FailureKind>

const NAMES: Readonly<Record<Transport, string>> = { tcp: 'TCP', udp: 'UDP' }

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
 * An error a link raises with its failure already known (a datagram too big
 * for its limit): {@link classifyTargetError} passes its words through.
 */
export class KnownTargetFailure extends Error {
  constructor(readonly failure: TargetFailure) {
    super(failure.error.message, { cause: failure.error })
  }
}

/**
 * Classifies a socket error of a TCP or UDP target. The close reason names
 * only the target's host:port and the errno, nothing else about the
 * relay's host. For TCP, ECONNREFUSED means "refused" only while
 * connecting; for UDP it is the ICMP answer to any datagram.
 */
export function classifyTargetError(
  err: unknown,
  target: Where,
  phase: 'connect' | 'stream',
): TargetFailure {
  if (err instanceof KnownTargetFailure) return err.failure
  const errno = errnoOf(err)
  const transport = transportOf(target)
  const kinds: FailureKind[] = Object.values(TARGET_FAILURES)
  const kind =
    kinds.find(
      (k) =>
        k.errnos.includes(errno) &&
        (k.only === undefined || k.only === transport) &&
        (k !== TARGET_FAILURES.refused || phase === 'connect'),
    ) ?? TARGET_FAILURES.other
  return failure(
    kind,
    kind.says(formatHostPort(target), errno, NAMES[transport]),
    err,
  )
}

/** The failure reported when reaching the target (TCP: its handshake) takes longer than allowed. */
export function connectTimeoutFailure(
  target: Where,
  timeoutMs: number,
): TargetFailure {
  return failure(
    TARGET_FAILURES.timeout,
    `${NAMES[transportOf(target)]} target ${formatHostPort(target)} did not answer within ${timeoutMs} ms.`,
  )
}

/**
 * A message the page sent to a UDP target that one datagram cannot carry:
 * closed with 1009 and a reason naming the limit and what sets it (the
 * flag, or what IP carries).
 */
export function datagramTooBigFailure(
  size: number,
  limit: number,
  why: string,
): TargetFailure {
  return failure(
    TARGET_FAILURES.datagramTooBig,
    `Message of ${size} bytes is over the UDP datagram limit of ${limit} bytes (${why}).`,
  )
}

/**
 * The failure reported when a client-chosen name does not resolve: always
 * 4001, whatever the resolver said (a DNS server that refuses is not a
 * TCP target that refuses).
 */
export function lookupFailure(err: unknown, target: Where): TargetFailure {
  const kind = TARGET_FAILURES.dnsFailed
  return failure(
    kind,
    kind.says(
      formatHostPort(target),
      errnoOf(err),
      NAMES[target.transport ?? 'tcp'],
    ),
    err,
  )
}
