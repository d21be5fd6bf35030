import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { RegistrySnapshot } from './registry.js'

/** What the metrics read when Prometheus scrapes: the registry, nothing counted per chunk. */
export type MetricsSource = () => RegistrySnapshot

/** Why a connection was refused before reaching a target. */
export type RefusalReason =
  | 'shutting-down'
  | 'origin'
  | 'token'
  | 'subprotocol'
  | 'limit'
  | 'protocol'
  | 'target'
  | 'host'

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
      this.set(source().connections)
    },
  })
  new Gauge({
    name: 'wsrelay_buffered_bytes',
    help: 'Bytes held by the relay now, all connections, both directions (bounded by the high-water mark).',
    registers: [registry],
    collect() {
      this.set(source().bufferedBytes)
    },
  })
  /** A counter whose values are read from `source.totals()` at scrape time. */
  const totalsCounter = <L extends string>(
    name: string,
    help: string,
    label: L,
    values: (s: RegistrySnapshot) => Record<string, number>,
  ): void => {
    const counter: Counter<L> = new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        counter.reset()
        for (const [value, count] of Object.entries(values(source()))) {
          counter.inc({ [label]: value } as Partial<Record<L, string>>, count)
        }
      },
    })
  }
  totalsCounter(
    'wsrelay_bytes_total',
    'Bytes relayed, by direction.',
    'direction',
    ({ totals }) => ({
      to_target: totals.bytesToTarget,
      to_client: totals.bytesToClient,
    }),
  )
  totalsCounter(
    'wsrelay_backpressure_pauses_total',
    'Times the relay stopped reading one side because the other was slow.',
    'paused',
    ({ totals, budgetPauses }) => ({
      target: totals.targetPauses,
      client: totals.clientPauses,
      budget: budgetPauses,
    }),
  )
  new Gauge({
    name: 'wsrelay_connections_peak',
    help: 'Most live connections at once since the relay started.',
    registers: [registry],
    collect() {
      this.set(source().peakConnections)
    },
  })
  new Gauge({
    name: 'wsrelay_buffered_bytes_peak',
    help: 'Most bytes held at once across the relay since start (as seen by the budget check).',
    registers: [registry],
    collect() {
      this.set(source().peakBufferedBytes)
    },
  })
  const shed = new Counter({
    name: 'wsrelay_budget_shed_total',
    help: 'Connections closed (1013) because they held the most while the relay sat at its memory budget.',
    registers: [registry],
    collect() {
      shed.reset()
      shed.inc(source().budgetSheds)
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
