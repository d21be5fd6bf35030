/** Byte counters of one connection, readable while it runs. */
export interface ConnectionStats {
  bytesToTarget: number
  bytesToClient: number
  /** Most bytes held at once waiting for the browser to read. */
  peakPendingToClient: number
  /** Most bytes held at once waiting for the target to read. */
  peakPendingToTarget: number
  /** Times target reads were paused because the browser was slow. */
  targetPauses: number
  /** Times browser reads were paused because the target (or the browser's own reading) was slow. */
  clientPauses: number
  /** UDP: datagrams from the target dropped because the browser was not reading (UDP has no backpressure). */
  datagramsDropped: number
  /** UDP: their bytes. */
  bytesDropped: number
}

/** What the registry needs of a live connection: its counters and the budget's two levers. */
export interface TrackedConnection {
  readonly stats: ConnectionStats
  /** Bytes the relay holds for it now, both directions. */
  readonly bufferedBytes: number
  /** Stop (or resume) reading both peers. */
  pauseForBudget(isPaused: boolean): void
  /** Close it (1013): it held the most while the relay sat at its budget. */
  shedForBudget(budgetBytes: number): void
}

/** Totals of the counters every connection keeps. */
export interface ConnectionTotals {
  bytesToTarget: number
  bytesToClient: number
  targetPauses: number
  clientPauses: number
  datagramsDropped: number
  bytesDropped: number
}

/** Permission for one live connection from one client IP; released exactly once. */
export interface Lease {
  readonly clientAddress: string
  release(): void
}

/** What the registry reports; `stats()`, `/healthz` and `/metrics` all read this. */
export interface RegistrySnapshot {
  /** Live connections, including ones still choosing a target. */
  readonly connections: number
  /** Most live connections at once since start. */
  readonly peakConnections: number
  /** Bytes held by the relay now, all connections, both directions. */
  readonly bufferedBytes: number
  /** Most bytes held at once across the relay, as seen by the budget check. */
  readonly peakBufferedBytes: number
  /** Most bytes one connection has held for the browser at once. */
  readonly peakPendingToClient: number
  /** Most bytes one connection has held for the target at once. */
  readonly peakPendingToTarget: number
  /** Times a connection was paused because the relay was at its memory budget. */
  readonly budgetPauses: number
  /** Connections closed because they held the most while the relay sat at its budget. */
  readonly budgetSheds: number
  /** Closed connections plus live ones. */
  readonly totals: ConnectionTotals
}

/** Settings the registry enforces. */
export interface RegistrySettings {
  readonly maxConnections: number
  readonly maxConnectionsPerIp: number
  /** Bytes all connections together may hold before the biggest holders are paused. */
  readonly memoryBudget: number
  /** How long a connection may stay paused by the budget before it is shed. */
  readonly budgetShedAfterMs: number
}

/** 10 s paused at the budget before the connection holding the most is shed (1013). */
export const BUDGET_SHED_AFTER_MS = 10_000
/** How often the budget is checked while connections are live: 100 ms. */
export const BUDGET_CHECK_INTERVAL_MS = 100
/** Paused connections resume once the relay holds less than this share of its budget. */
const BUDGET_RESUME_RATIO = 0.75

/**
 * Every live connection, in one place: the connection limits with per-IP
 * leases, totals and peaks since start, and the relay-wide memory budget.
 * Nothing on the data path touches it; it reads the connections when asked
 * and on a slow timer.
 */
export class ConnectionRegistry<
  C extends TrackedConnection = TrackedConnection,
> {
  readonly live = new Set<C>()
  private readonly perIp = new Map<string, number>()
  private readonly ended: ConnectionTotals = {
    bytesToTarget: 0,
    bytesToClient: 0,
    targetPauses: 0,
    clientPauses: 0,
    datagramsDropped: 0,
    bytesDropped: 0,
  }
  private peakConnections = 0
  private peakBufferedBytes = 0
  private peakPendingToClient = 0
  private peakPendingToTarget = 0
  private budgetPauses = 0
  private budgetSheds = 0
  private budgetTimer: NodeJS.Timeout | undefined
  /** Connections the budget paused, with when. */
  private readonly budgetPaused = new Map<C, number>()

  constructor(private readonly settings: RegistrySettings) {}

  /**
   * Admits a new connection from `clientAddress`, or says why not (the
   * reason is shown to the browser with close 1013).
   */
  admit(
    clientAddress: string,
  ): { ok: true; lease: Lease } | { ok: false; reason: string } {
    const { maxConnections, maxConnectionsPerIp } = this.settings
    if (this.live.size >= maxConnections) {
      return {
        ok: false,
        reason: `Relay is at its limit of ${maxConnections} connections. Try again later.`,
      }
    }
    const fromIp = this.perIp.get(clientAddress) ?? 0
    if (maxConnectionsPerIp > 0 && fromIp >= maxConnectionsPerIp) {
      return {
        ok: false,
        reason: `Too many connections from ${clientAddress} (limit ${maxConnectionsPerIp}). Try again later.`,
      }
    }
    this.perIp.set(clientAddress, fromIp + 1)
    let released = false
    const lease: Lease = {
      clientAddress,
      release: () => {
        if (released) return
        released = true
        const left = (this.perIp.get(clientAddress) ?? 1) - 1
        if (left > 0) this.perIp.set(clientAddress, left)
        else this.perIp.delete(clientAddress)
      },
    }
    return { ok: true, lease }
  }

  /** Registers a connection admitted with {@link admit}, in the same tick. */
  add(connection: C): void {
    this.live.add(connection)
    if (this.live.size > this.peakConnections)
      this.peakConnections = this.live.size
    if (this.budgetTimer === undefined) {
      this.budgetTimer = setInterval(
        () => this.checkBudget(),
        BUDGET_CHECK_INTERVAL_MS,
      )
      this.budgetTimer.unref()
    }
  }

  /** Removes a finished connection and folds its counters into the totals. */
  remove(connection: C): void {
    if (!this.live.delete(connection)) return
    this.budgetPaused.delete(connection)
    this.foldPeaks(connection.stats)
    for (const key of Object.keys(this.ended) as (keyof ConnectionTotals)[])
      this.ended[key] += connection.stats[key]
    if (this.live.size === 0 && this.budgetTimer !== undefined) {
      clearInterval(this.budgetTimer)
      this.budgetTimer = undefined
    }
  }

  private inboundSinceCheck = 0

  /**
   * Counts bytes read from browsers; after an eighth of the budget has come
   * in since the last check, checks now instead of waiting for the timer.
   */
  readonly noteInbound = (chunk: Buffer): void => {
    this.inboundSinceCheck += chunk.length
    if (this.inboundSinceCheck >= this.settings.memoryBudget / 8)
      this.checkBudget()
  }

  /** Stops the budget timer (the relay is closed). */
  stop(): void {
    clearInterval(this.budgetTimer)
    this.budgetTimer = undefined
  }

  private foldPeaks(stats: ConnectionStats): void {
    if (stats.peakPendingToClient > this.peakPendingToClient)
      this.peakPendingToClient = stats.peakPendingToClient
    if (stats.peakPendingToTarget > this.peakPendingToTarget)
      this.peakPendingToTarget = stats.peakPendingToTarget
  }

  /**
   * The relay-wide bound. At the budget, every connection holding more than
   * its fair share stops reading both peers; they resume once the relay holds
   * less than 3/4 of the budget. One still paused after `budgetShedAfterMs`
   * is closed with 1013, so a crowd of stalled senders cannot pin the relay.
   */
  checkBudget(now = Date.now()): void {
    this.inboundSinceCheck = 0
    let total = 0
    for (const c of this.live) total += c.bufferedBytes
    if (total > this.peakBufferedBytes) this.peakBufferedBytes = total
    const { memoryBudget, budgetShedAfterMs } = this.settings
    if (total > memoryBudget) {
      const fairShare = memoryBudget / Math.max(1, this.live.size)
      for (const c of this.live) {
        if (this.budgetPaused.has(c) || c.bufferedBytes <= fairShare) continue
        this.budgetPaused.set(c, now)
        this.budgetPauses++
        c.pauseForBudget(true)
      }
    } else if (total < memoryBudget * BUDGET_RESUME_RATIO) {
      for (const c of this.budgetPaused.keys()) c.pauseForBudget(false)
      this.budgetPaused.clear()
      return
    }
    for (const [c, since] of this.budgetPaused) {
      if (now - since < budgetShedAfterMs) continue
      this.budgetPaused.delete(c)
      this.budgetSheds++
      c.shedForBudget(memoryBudget)
    }
  }

  snapshot(): RegistrySnapshot {
    const totals = { ...this.ended }
    let bufferedBytes = 0
    for (const c of this.live) {
      bufferedBytes += c.bufferedBytes
      this.foldPeaks(c.stats)
      for (const key of Object.keys(totals) as (keyof ConnectionTotals)[])
        totals[key] += c.stats[key]
    }
    return {
      connections: this.live.size,
      peakConnections: this.peakConnections,
      bufferedBytes,
      peakBufferedBytes: Math.max(this.peakBufferedBytes, bufferedBytes),
      peakPendingToClient: this.peakPendingToClient,
      peakPendingToTarget: this.peakPendingToTarget,
      budgetPauses: this.budgetPauses,
      budgetSheds: this.budgetSheds,
      totals,
    }
  }
}
