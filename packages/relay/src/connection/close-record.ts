import type { Transport } from '@wsrelay/protocol'
import type { RelayErrorCode } from '../errors.js'
import type { RefusalMetric } from '../refusals.js'
import type { ConnectionStats } from '../observability/registry.js'
import { formatHostPort, transportOf } from '../targets/target-address.js'
import type { ChosenTarget } from '../targets/target-selection.js'

/** How a connection ended: built once, at the decision, and read by the event, the log line and the metrics. */
export interface CloseRecord {
  readonly code: number
  readonly reason: string
  readonly by: 'client' | 'relay'
  readonly errorCode?: RelayErrorCode
  /** Set when the connection was refused before reaching a target: the metric's reason. */
  readonly refused?: RefusalMetric
  /** A refusal or a broken rule: nothing more is taken from this browser. */
  readonly isRejection?: boolean
}

/** What the relay tells an embedding app when a connection reaches its target. */
export interface ConnectionOpenEvent {
  readonly id: number
  readonly client: string
  /** host:port as asked for (client-chosen) or as configured. */
  readonly target: string
  readonly route?: string
  /** `tcp`, or `udp` for a datagram target. */
  readonly transport: Transport
  readonly protocol: 'raw' | 'v1'
}

/** What the relay tells an embedding app when a connection has ended. */
export interface ConnectionCloseEvent extends ConnectionOpenEvent {
  readonly closeCode: number
  readonly errorCode?: RelayErrorCode
  readonly reason: string
  readonly by: 'client' | 'relay'
  readonly bytesToTarget: number
  readonly bytesToClient: number
  /** UDP: datagrams from the target dropped because the browser was not reading. */
  readonly datagramsDropped?: number
  readonly durationMs: number
}

/** The open event of a connection that reached `target`. */
export function openEventOf(
  id: number,
  client: string,
  protocol: 'raw' | 'v1',
  target: ChosenTarget,
): ConnectionOpenEvent {
  return {
    id,
    client,
    target: formatHostPort(target),
    ...(target.route ? { route: target.route } : {}),
    transport: transportOf(target),
    protocol,
  }
}

/** The close event: the open event, the close record and the byte counts. */
export function closeEventOf(
  open: ConnectionOpenEvent,
  close: CloseRecord,
  stats: ConnectionStats,
  durationMs: number,
): ConnectionCloseEvent {
  return {
    ...open,
    closeCode: close.code,
    ...(close.errorCode ? { errorCode: close.errorCode } : {}),
    reason: close.reason,
    by: close.by,
    bytesToTarget: stats.bytesToTarget,
    bytesToClient: stats.bytesToClient,
    ...(open.transport === 'udp'
      ? { datagramsDropped: stats.datagramsDropped }
      : {}),
    durationMs,
  }
}
