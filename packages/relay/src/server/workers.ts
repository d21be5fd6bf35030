import cluster, { type Worker } from 'node:cluster'
import type { Registry } from 'prom-client'
import { loadOnUse } from '../load-on-use.js'
import type { Logger } from '../observability/logger.js'
import { ConnectionRegistry, type Lease } from '../observability/registry.js'
import type { ProcessHooks } from './create-relay.js'

/**
 * `--workers N`: N processes serve one port (node:cluster). Each worker
 * accepts on the shared listening socket itself (`SCHED_NONE`: the kernel
 * hands each connection to one waiting worker), so no connection passes
 * through the primary. The primary owns what must be counted across all of
 * them: the connection limit and the per-IP limit (a worker asks before it
 * starts a connection, and gives the count back when it ends). The memory
 * budget is divided: each worker keeps its share. `/metrics` is every
 * worker's registry, aggregated by the primary (prom-client's
 * AggregatorRegistry). On SIGTERM, SIGINT or SIGHUP every worker drains
 * (1001 after the flush) and the primary exits 0 once all have.
 */

/** Messages between a worker and the primary; the tag keeps them apart from prom-client's. */
type ToPrimary =
  | { readonly wsrelay: 'admit'; readonly id: number; readonly client: string }
  | { readonly wsrelay: 'release'; readonly id: number }
  | { readonly wsrelay: 'listening'; readonly fields: Record<string, unknown> }
  | { readonly wsrelay: 'metrics'; readonly id: number }
type ToWorker =
  | {
      readonly wsrelay: 'admitted'
      readonly id: number
      readonly reason?: string
    }
  | {
      readonly wsrelay: 'metrics'
      readonly id: number
      readonly text?: string
      readonly error?: string
    }
  | { readonly wsrelay: 'shutdown' }

const isTagged = (message: unknown): message is { wsrelay: string } =>
  typeof message === 'object' &&
  message !== null &&
  typeof (message as { wsrelay?: unknown }).wsrelay === 'string'

const promClient = loadOnUse<typeof import('prom-client')>('prom-client')

/** What the primary enforces for all workers together. */
export interface PrimaryOptions {
  readonly workers: number
  readonly maxConnections: number
  readonly maxConnectionsPerIp: number
  readonly log: Logger
}

/**
 * Runs the primary: forks the workers, counts their connections, answers
 * their metrics, logs `relay listening` once all of them listen, restarts
 * one that dies, and drains them all on a signal. Resolves with the exit
 * code once the last worker has exited after a drain.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { workers, log } = options
  // Before the first fork: workers accept on the shared socket themselves.
  cluster.schedulingPolicy = cluster.SCHED_NONE
  const counts = new ConnectionRegistry({
    maxConnections: options.maxConnections,
    maxConnectionsPerIp: options.maxConnectionsPerIp,
    memoryBudget: Number.POSITIVE_INFINITY,
    budgetShedAfterMs: Number.POSITIVE_INFINITY,
  })
  /** Leases by worker, then by the worker's request id. */
  const leases = new Map<number, Map<number, Lease>>()
  const listening = new Set<number>()
  let isAnnounced = false
  let isShuttingDown = false
  let failed = false

  return new Promise<number>((resolve) => {
    const onMessage = (worker: Worker, message: unknown): void => {
      if (!isTagged(message)) return // prom-client's own, or someone else's
      const m = message as ToPrimary
      switch (m.wsrelay) {
        case 'admit': {
          const admitted = counts.admit(m.client)
          if (admitted.ok) leasesOf(worker).set(m.id, admitted.lease)
          send(worker, {
            wsrelay: 'admitted',
            id: m.id,
            ...(admitted.ok ? {} : { reason: admitted.reason }),
          })
          return
        }
        case 'release': {
          const held = leases.get(worker.id)
          held?.get(m.id)?.release()
          held?.delete(m.id)
          return
        }
        case 'listening':
          listening.add(worker.id)
          if (!isAnnounced && listening.size >= workers) {
            isAnnounced = true
            log.info({ ...m.fields, workers }, 'relay listening')
          }
          return
        case 'metrics':
          new (promClient().AggregatorRegistry)().clusterMetrics().then(
            (text) => send(worker, { wsrelay: 'metrics', id: m.id, text }),
            (err: unknown) =>
              send(worker, {
                wsrelay: 'metrics',
                id: m.id,
                error: (err as Error).message,
              }),
          )
          return
      }
    }

    const leasesOf = (worker: Worker): Map<number, Lease> => {
      let held = leases.get(worker.id)
      if (!held) leases.set(worker.id, (held = new Map<number, Lease>()))
      return held
    }

    const fork = (): void => {
      const worker = cluster.fork()
      worker.on('message', (message: unknown) => onMessage(worker, message))
      worker.on('error', (err) =>
        log.warn({ err: err.message, worker: worker.id }, 'worker error'),
      )
    }

    cluster.on('exit', (worker, code, signal) => {
      for (const lease of leases.get(worker.id)?.values() ?? []) lease.release()
      leases.delete(worker.id)
      listening.delete(worker.id)
      if (code !== 0) failed = true
      if (isShuttingDown) {
        if (Object.keys(cluster.workers ?? {}).length === 0)
          resolve(failed ? 1 : 0)
        return
      }
      log.error(
        { worker: worker.id, code, signal },
        'worker exited; starting another',
      )
      fork()
    })

    const stop = (signal: NodeJS.Signals): void => {
      if (isShuttingDown) return
      isShuttingDown = true
      log.info({ signal, workers }, 'shutting down: draining connections')
      const running = Object.values(cluster.workers ?? {})
      if (running.length === 0) resolve(0)
      for (const worker of running)
        if (worker) send(worker, { wsrelay: 'shutdown' })
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    process.once('SIGHUP', stop)

    for (let i = 0; i < workers; i++) fork()
  })
}

function send(worker: Worker, message: ToWorker): void {
  // A worker that has just died cannot be told; its exit is handled above.
  if (worker.isConnected()) worker.send(message)
}

/** A worker's side: the hooks its relay runs with, and the primary's call to drain. */
export interface WorkerSide {
  readonly hooks: ProcessHooks
  /** Runs `drain` when the primary asks (its signal) or goes away. */
  onShutdown(drain: () => void): void
}

/** Joins this worker to its primary: admission, metrics, `relay listening`, shutdown. */
export function joinPrimary(workers: number): WorkerSide {
  let nextId = 1
  const admissions = new Map<
    number,
    (result: { ok: true } | { ok: false; reason: string }) => void
  >()
  const metricsWaiting = new Map<
    number,
    { resolve: (text: string) => void; reject: (err: Error) => void }
  >()
  let drain: (() => void) | undefined
  const toPrimary = (message: ToPrimary): void => {
    if (process.connected) process.send?.(message)
  }

  process.on('message', (message: unknown) => {
    if (!isTagged(message)) return
    const m = message as ToWorker
    switch (m.wsrelay) {
      case 'admitted':
        admissions.get(m.id)?.(
          m.reason === undefined
            ? { ok: true }
            : { ok: false, reason: m.reason },
        )
        admissions.delete(m.id)
        return
      case 'metrics': {
        const waiting = metricsWaiting.get(m.id)
        metricsWaiting.delete(m.id)
        if (m.text !== undefined) waiting?.resolve(m.text)
        else waiting?.reject(new Error(m.error ?? 'no metrics'))
        return
      }
      case 'shutdown':
        drain?.()
        return
    }
  })
  // The primary is gone: nobody counts connections any more, so drain.
  process.on('disconnect', () => drain?.())

  const hooks: ProcessHooks = {
    admission: {
      processes: workers,
      admit(clientAddress) {
        const id = nextId++
        return new Promise((resolve) => {
          admissions.set(id, (result) => {
            if (!result.ok) {
              resolve(result)
              return
            }
            let isReleased = false
            resolve({
              ok: true,
              lease: {
                clientAddress,
                release: () => {
                  if (isReleased) return
                  isReleased = true
                  toPrimary({ wsrelay: 'release', id })
                },
              },
            })
          })
          if (process.connected)
            toPrimary({ wsrelay: 'admit', id, client: clientAddress })
          else resolve({ ok: false, reason: 'Relay is shutting down.' })
        })
      },
    },
    metrics: {
      share(registry: Registry) {
        const { AggregatorRegistry } = promClient()
        // Constructing one installs prom-client's answer to the primary's requests.
        new AggregatorRegistry()
        AggregatorRegistry.setRegistries([registry])
      },
      text: () => {
        const id = nextId++
        return new Promise<string>((resolve, reject) => {
          metricsWaiting.set(id, { resolve, reject })
          toPrimary({ wsrelay: 'metrics', id })
        })
      },
    },
    onListening: (fields) => toPrimary({ wsrelay: 'listening', fields }),
  }
  return {
    hooks,
    onShutdown(callback) {
      drain = callback
    },
  }
}
