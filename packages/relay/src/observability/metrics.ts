import { closeCodeInfo } from '@wsrelay/protocol'
import type { Counter, Registry } from 'prom-client'
import { loadOnUse } from '../load-on-use.js'
import { REFUSAL_METRICS, type RefusalMetric } from '../refusals.js'
import type { RegistrySnapshot } from './registry.js'

/** Loaded only by a relay that serves `/metrics`. */
const promClient = loadOnUse<typeof import('prom-client')>('prom-client')

/** What the metrics read when Prometheus scrapes: the registry, nothing counted per chunk. */
export type MetricsSource = () => RegistrySnapshot

/** One metric the relay serves: the docs' metrics table is generated from these. */
export interface MetricSpec {
  readonly name: string
  readonly type: 'gauge' | 'counter'
  readonly help: string
  /** Its one label: the values it takes, or what they are. */
  readonly label?: {
    readonly name: string
    readonly values: readonly string[] | string
  }
  /** Read from the registry at scrape time: one number, or one per label value. Absent: counted as it happens. */
  readonly read?: (s: RegistrySnapshot) => number | Record<string, number>
}

/** Every metric of the relay, besides prom-client's process and runtime ones (`wsrelay_process_*`, `wsrelay_nodejs_*`). */
export const RELAY_METRICS = [
  {
    name: 'wsrelay_connections',
    type: 'gauge',
    help: 'Live WebSocket connections, including ones still choosing a target.',
    read: (s) => s.connections,
  },
  {
    name: 'wsrelay_buffered_bytes',
    type: 'gauge',
    help: 'Bytes held by the relay now, all connections, both directions (admitted against --memory-budget).',
    read: (s) => s.bufferedBytes,
  },
  {
    name: 'wsrelay_connections_peak',
    type: 'gauge',
    help: 'Most live connections at once since the relay started (with --workers: the highest of any one worker).',
    read: (s) => s.peakConnections,
  },
  {
    name: 'wsrelay_buffered_bytes_peak',
    type: 'gauge',
    help: 'Most bytes held at once across the relay since start, as seen by the budget check (with --workers: the highest of any one worker).',
    read: (s) => s.peakBufferedBytes,
  },
  {
    name: 'wsrelay_bytes_total',
    type: 'counter',
    help: 'Bytes relayed, by direction.',
    label: { name: 'direction', values: ['to_target', 'to_client'] },
    read: ({ totals }) => ({
      to_target: totals.bytesToTarget,
      to_client: totals.bytesToClient,
    }),
  },
  {
    name: 'wsrelay_backpressure_pauses_total',
    type: 'counter',
    help: 'Times the relay stopped reading one side because the other was slow (budget: because the memory budget could not admit its next read).',
    label: { name: 'paused', values: ['target', 'client', 'budget'] },
    read: ({ totals, budgetPauses }) => ({
      target: totals.targetPauses,
      client: totals.clientPauses,
      budget: budgetPauses,
    }),
  },
  {
    name: 'wsrelay_datagrams_dropped_total',
    type: 'counter',
    help: 'Datagrams from UDP targets dropped because the browser was not reading fast enough (UDP has no backpressure; the relay holds at most the high-water mark).',
    read: ({ totals }) => totals.datagramsDropped,
  },
  {
    name: 'wsrelay_budget_shed_total',
    type: 'counter',
    help: 'Connections closed (1013) because they waited too long for the memory budget.',
    read: (s) => s.budgetSheds,
  },
  {
    name: 'wsrelay_connections_closed_total',
    type: 'counter',
    help: 'Connections that ended, by WebSocket close code (1001 counts drains; 4xxx are the relay’s own).',
    label: {
      name: 'code',
      values:
        'a close code of the close-code table, or `other` (a client chooses its own)',
    },
  },
  {
    name: 'wsrelay_connections_refused_total',
    type: 'counter',
    help: 'Connections refused before reaching a target, by reason (shutting-down counts 503s in a drain).',
    label: { name: 'reason', values: REFUSAL_METRICS },
  },
] as const satisfies readonly MetricSpec[]

/** The relay's Prometheus registry (its own, so several relays in one process do not clash). */
export interface RelayMetrics {
  readonly registry: Registry
  /** The exposition `/metrics` serves: this registry's, or (with workers) every worker's, aggregated. */
  text(): Promise<string>
  readonly contentType: string
  /** A connection ended with this close code (one per connection). */
  closed(code: number): void
  /** An upgrade or open was refused before a target was connected. */
  refused(reason: RefusalMetric): void
}

/** Creates the relay's metrics; `source` is read at scrape time. */
export function createRelayMetrics(source: MetricsSource): RelayMetrics {
  const { Counter, Gauge, Registry, collectDefaultMetrics } = promClient()
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'wsrelay_' })
  const counters = new Map<string, Counter>()
  for (const spec of RELAY_METRICS as readonly MetricSpec[]) {
    const { name, help, label, read } = spec
    const labelNames = label ? [label.name] : []
    if (spec.type === 'gauge') {
      new Gauge({
        name,
        help,
        registers: [registry],
        // With workers, a peak is the highest of any one worker (a sum of
        // peaks would count moments that never happened together).
        ...(name.endsWith('_peak') ? { aggregator: 'max' as const } : {}),
        collect() {
          const value = read?.(source())
          if (typeof value === 'number') this.set(value)
        },
      })
      continue
    }
    const counter: Counter = new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      ...(read
        ? {
            collect() {
              const value = read(source())
              counter.reset()
              if (typeof value === 'number') counter.inc(value)
              else
                for (const [labelValue, count] of Object.entries(value))
                  counter.inc({ [label?.name ?? '']: labelValue }, count)
            },
          }
        : {}),
    })
    counters.set(name, counter)
  }
  const closed = counters.get('wsrelay_connections_closed_total')
  const refused = counters.get('wsrelay_connections_refused_total')
  return {
    registry,
    text: () => registry.metrics(),
    contentType: registry.contentType,
    closed: (code) => closed?.inc({ code: closeCodeLabel(code) }),
    refused: (reason) => refused?.inc({ reason }),
  }
}

/**
 * The `code` label of a close: a code the relay knows (its own, and the
 * ones a browser reports), or `other`. A client chooses its close code
 * (3000-4999 are free for applications), and each label value is a series
 * Prometheus keeps: one client must not grow them without bound.
 */
export function closeCodeLabel(code: number): string {
  return closeCodeInfo(code).name === 'UNKNOWN' ? 'other' : String(code)
}
