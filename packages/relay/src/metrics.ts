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
  /** A counter whose values are read from `source.totals()` at scrape time. */
  const totalsCounter = <L extends string>(
    name: string,
    help: string,
    label: L,
    values: (t: ReturnType<MetricsSource['totals']>) => Record<string, number>,
  ): void => {
    const counter: Counter<L> = new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        counter.reset()
        for (const [value, count] of Object.entries(values(source.totals()))) {
          counter.inc({ [label]: value } as Partial<Record<L, string>>, count)
        }
      },
    })
  }
  totalsCounter(
    'wsrelay_bytes_total',
    'Bytes relayed, by direction.',
    'direction',
    (t) => ({
      to_target: t.bytesToTarget,
      to_client: t.bytesToClient,
    }),
  )
  totalsCounter(
    'wsrelay_backpressure_pauses_total',
    'Times the relay stopped reading one side because the other was slow.',
    'paused',
    (t) => ({ target: t.targetPauses, client: t.clientPauses }),
  )
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
