import {
  CloseCode,
  closeCodeInfo,
  upgradeRefusalInfo,
  type CloseCodeValue,
} from '@wsrelay/protocol'
import type { RelayErrorCode } from './errors.js'

/** How a refusal is answered: an HTTP status before the upgrade, or a close code after it. */
export type RefusalAnswer =
  | {
      readonly status: 400 | 403 | 404 | 503
      /** Its row in `UPGRADE_REFUSALS`. */
      readonly name: string
    }
  | { readonly close: CloseCodeValue }

/** One entry of the catalogue. */
export interface Refusal {
  readonly errorCode: RelayErrorCode
  /**
   * The `reason` label of `wsrelay_connections_refused_total`, for refusals
   * before a target was reached; undefined for closes counted elsewhere.
   */
  readonly metric: RefusalMetric | undefined
  readonly answer: RefusalAnswer
}

/** The `reason` labels of `wsrelay_connections_refused_total`. */
export const REFUSAL_METRICS = [
  'shutting-down',
  'host',
  'subprotocol',
  'origin',
  'token',
  'limit',
  'protocol',
  'target',
] as const

/** Why a connection was refused before reaching a target (a metric label). */
export type RefusalMetric = (typeof REFUSAL_METRICS)[number]

/**
 * Every way the relay refuses a connection, once: its answer (HTTP status
 * or close code), error code and metric reason. Hints live with the codes
 * in `@wsrelay/protocol` ({@link hintOf}). Target failures (4000-4005) have
 * their own table, `TARGET_FAILURES`, as they come from the network.
 */
export const REFUSALS = {
  /** An upgrade during a drain. */
  shuttingDown: {
    errorCode: 'RELAY_SHUTTING_DOWN',
    metric: 'shutting-down',
    answer: { status: 503, name: 'RELAY_DRAINING' },
  },
  /** A Host that is not one of the relay's names (DNS rebinding). */
  hostRejected: {
    errorCode: 'RELAY_HOST_REJECTED',
    metric: 'host',
    answer: { status: 403, name: 'HOST_NOT_ALLOWED' },
  },
  /** Only subprotocols the relay does not speak. */
  subprotocolUnsupported: {
    errorCode: 'RELAY_SUBPROTOCOL_UNSUPPORTED',
    metric: 'subprotocol',
    answer: { status: 400, name: 'SUBPROTOCOL_UNSUPPORTED' },
  },
  /** An upgrade with a body: it would be read as WebSocket frames. */
  upgradeBody: {
    errorCode: 'RELAY_UPGRADE_BODY',
    metric: 'protocol',
    answer: { status: 400, name: 'UPGRADE_HAS_BODY' },
  },
  /** attachRelay: an upgrade no relay owns, on an app with no request handler. */
  noEndpoint: {
    errorCode: 'RELAY_NO_ENDPOINT',
    metric: undefined,
    answer: { status: 404, name: 'NO_ENDPOINT' },
  },
  /** A page from a foreign origin: accepted, then closed, so the page can read why. */
  originRejected: {
    errorCode: 'RELAY_ORIGIN_REJECTED',
    metric: 'origin',
    answer: { close: CloseCode.ORIGIN_NOT_ALLOWED },
  },
  /** No token, or a wrong one. */
  unauthorized: {
    errorCode: 'RELAY_UNAUTHORIZED',
    metric: 'token',
    answer: { close: CloseCode.UNAUTHORIZED },
  },
  /** Over the connection limit, or the per-IP limit. */
  overloaded: {
    errorCode: 'RELAY_OVERLOADED',
    metric: 'limit',
    answer: { close: CloseCode.RELAY_OVERLOADED },
  },
  /** A `wsrelay.v1` rule broken (counted as a refusal only before a target). */
  controlInvalid: {
    errorCode: 'RELAY_CONTROL_INVALID',
    metric: 'protocol',
    answer: { close: CloseCode.POLICY_VIOLATION },
  },
  /** A malformed percent escape in the URL path. */
  pathInvalid: {
    errorCode: 'RELAY_PATH_INVALID',
    metric: 'target',
    answer: { close: CloseCode.POLICY_VIOLATION },
  },
  /** No such route, or a client-chosen target no rule allows. */
  targetNotAllowed: {
    errorCode: 'RELAY_TARGET_NOT_ALLOWED',
    metric: 'target',
    answer: { close: CloseCode.TARGET_NOT_ALLOWED },
  },
  /** The process is near its open-file limit: descriptors are kept for answering. */
  fdLimit: {
    errorCode: 'RELAY_FD_LIMIT',
    metric: 'limit',
    answer: { close: CloseCode.RELAY_OVERLOADED },
  },
  /** Too many client-chosen names resolving at once, relay-wide or from one IP. */
  lookupsBusy: {
    errorCode: 'RELAY_LOOKUPS_BUSY',
    metric: 'limit',
    answer: { close: CloseCode.RELAY_OVERLOADED },
  },
  /** Choosing the target threw: a bug. */
  internal: {
    errorCode: 'RELAY_INTERNAL_ERROR',
    metric: 'target',
    answer: { close: CloseCode.INTERNAL_ERROR },
  },
  /** Shed at the memory budget: counted by `wsrelay_budget_shed_total`. */
  memoryBudget: {
    errorCode: 'RELAY_MEMORY_BUDGET',
    metric: undefined,
    answer: { close: CloseCode.RELAY_OVERLOADED },
  },
} as const satisfies Record<string, Refusal>

/** A kind of refusal: a key of {@link REFUSALS}. */
export type RefusalKind = keyof typeof REFUSALS

/** The close code of a refusal answered after the upgrade. */
export type CloseRefusalKind = {
  [K in RefusalKind]: (typeof REFUSALS)[K]['answer'] extends { close: number }
    ? K
    : never
}[RefusalKind]

/** Refusals of a connection before it reaches a target, answered with a close code. */
export type ConnectionRefusalKind = Exclude<CloseRefusalKind, 'memoryBudget'>

/** The close code a refusal after the upgrade is answered with. */
export const closeCodeOf = (kind: CloseRefusalKind): CloseCodeValue =>
  REFUSALS[kind].answer.close

/** What to do about a refusal: the hint of its close code or HTTP status, from `@wsrelay/protocol`. */
export function hintOf(answer: RefusalAnswer): string {
  return 'close' in answer
    ? closeCodeInfo(answer.close).hint
    : upgradeRefusalInfo(answer.name).hint
}
