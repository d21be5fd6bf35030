import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

/** What the metrics read when Prometheus scrapes; nothing is counted per chunk. */
export interface MetricsSource {
  /** Live connections, including ones still choosing a target. */
  connections(): number
  /** Bytes held in the relay now, both directions. */
  bufferedBytes(): number
  /** Totals since start: closed connections plus live ones. */
  totals(): {
    bytesToTarget: number
    bytesToClient: number
    targetPauses: number
    clientPauses: number
  }
}

/** Why a connection was refused before reaching a target. */
export type RefusalReason =
  | 'shutting-down'
  | 'origin'
  | 'token'
  | 'subprotocol'
  | 'limit'
  | 'protocol'
  | 'target'

/** The relay's Prometheus registry (its own, so several relays in one process do not clash). */
export interface RelayMetrics {
  readonly registry: Registry
  /** A connection ended with this close code (one per connection). */
  closed(code: number): void
  /** An upgrade or open was refused before a target was connected. */
  refused(reason: RefusalReason): void
}

/** Creates the relay's metrics; `source` is read at scrape time. */
export function createRelayMetrics(source: MetricsSource): RelayMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'wsrelay_' })

  new Gauge({
    name: 'wsrelay_connections',
    help: 'Live WebSocket connections, including ones still choosing a target.',
    registers: [registry],
    collect() {
      this.set(source.connections())
    },
  })
  new Gauge({
    name: 'wsrelay_buffered_bytes',
    help: 'Bytes held by the relay now, all connections, both directions (bounded by the high-water mark).',
    registers: [registry],
    collect() {
      this.set(source.bufferedBytes())
    },
  })
  const bytes = new Counter({
    name: 'wsrelay_bytes_total',
    help: 'Bytes relayed, by direction.',
    labelNames: ['direction'] as const,
    registers: [registry],
    collect() {
      const t = source.totals()
      bytes.reset()
      bytes.inc({ direction: 'to_target' }, t.bytesToTarget)
      bytes.inc({ direction: 'to_client' }, t.bytesToClient)
    },
  })
  const pauses = new Counter({
    name: 'wsrelay_backpressure_pauses_total',
    help: 'Times the relay stopped reading one side because the other was slow.',
    labelNames: ['paused'] as const,
    registers: [registry],
    collect() {
      const t = source.totals()
      pauses.reset()
      pauses.inc({ paused: 'target' }, t.targetPauses)
      pauses.inc({ paused: 'client' }, t.clientPauses)
    },
  })
  const closed = new Counter({
    name: 'wsrelay_connections_closed_total',
    help: 'Connections that ended, by WebSocket close code.',
    labelNames: ['code'] as const,
    registers: [registry],
  })
  const refused = new Counter({
    name: 'wsrelay_connections_refused_total',
    help: 'Connections refused before reaching a target, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  })

  return {
    registry,
    closed: (code) => closed.inc({ code: String(code) }),
    refused: (reason) => refused.inc({ reason }),
  }
}
