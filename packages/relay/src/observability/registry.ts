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
  /** Stop reading both peers at once (before the next read), or start again. */
  pauseForBudget(isPaused: boolean): void
  /** Close it (1013): it waited too long for the budget. */
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
  /** Times a connection had to wait for the memory budget before reading more. */
  readonly budgetPauses: number
  /** Connections closed because they waited too long for the memory budget. */
  readonly budgetSheds: number
  /** Closed connections plus live ones. */
  readonly totals: ConnectionTotals
}

/** Settings the registry enforces. */
export interface RegistrySettings {
  readonly maxConnections: number
  readonly maxConnectionsPerIp: number
  /** Bytes all connections together may hold: reads are admitted against it. */
  readonly memoryBudget: number
  /** How long a connection may wait for the budget before it is shed. */
  readonly budgetShedAfterMs: number
}

/** 10 s waiting for the budget before a connection is shed (1013). */
export const BUDGET_SHED_AFTER_MS = 10_000
/** How long a light connection waits behind heavy ones before the heaviest is shed: 1 s. */
export const BUDGET_RESCUE_AFTER_MS = 1000
/** How often grants are trimmed and waiters served while connections are live: 100 ms. */
export const BUDGET_CHECK_INTERVAL_MS = 100
/**
 * The most one socket read brings (libuv reads 64 KiB at a time): what a
 * connection must have granted beyond what it holds before it may read again.
 */
export const READ_BYTES = 64 * 1024

/**
 * Every live connection, in one place: the connection limits with per-IP
 * leases, totals and peaks since start, and the relay-wide memory budget.
 * The data path asks it one thing, once per socket read (`admitRead`: may
 * this connection read again?); everything else runs on a slow timer.
 */
export class ConnectionRegistry<
  C extends TrackedConnection = TrackedConnection,
> {
  readonly live = new Set<C>()
  /** Leases given and not yet released: the connection limit counts these (so a primary that only admits can use it too). */
  private leased = 0
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
  /** Bytes of the budget each connection may hold, granted before it reads. */
  private readonly grants = new Map<C, number>()
  /** Sum of the grants: never above the budget. */
  private granted = 0
  /** Connections paused until the budget can grant them a read, oldest first, with since when. */
  private readonly waiting = new Map<C, number>()

  constructor(private readonly settings: RegistrySettings) {}

  /**
   * Admits a new connection from `clientAddress`, or says why not (the
   * reason is shown to the browser with close 1013).
   */
  admit(
    clientAddress: string,
  ): { ok: true; lease: Lease } | { ok: false; reason: string } {
    const { maxConnections, maxConnectionsPerIp } = this.settings
    if (this.leased >= maxConnections) {
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
    this.leased++
    let released = false
    const lease: Lease = {
      clientAddress,
      release: () => {
        if (released) return
        released = true
        this.leased--
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
    this.waiting.delete(connection)
    this.setGrant(connection, 0)
    this.serveWaiting()
    this.foldPeaks(connection.stats)
    for (const key of Object.keys(this.ended) as (keyof ConnectionTotals)[])
      this.ended[key] += connection.stats[key]
    if (this.live.size === 0 && this.budgetTimer !== undefined) {
      clearInterval(this.budgetTimer)
      this.budgetTimer = undefined
    }
  }

  /**
   * Admission before reading: called after every read from either side of
   * a connection (the bytes are then in `bufferedBytes`). A connection that
   * holds bytes may read again only with a grant from the budget covering
   * what it holds plus one more read; without one it stops reading now
   * (`pauseForBudget`), before the next read, and waits its turn. One that
   * holds nothing needs no grant: it reads, and whatever stays is admitted
   * at once or not read again.
   */
  admitRead(connection: C, now = Date.now()): void {
    if (this.waiting.has(connection)) return
    const held = connection.bufferedBytes
    const grant = this.grants.get(connection) ?? 0
    if (held === 0) {
      if (grant > 0) this.setGrant(connection, 0)
      return
    }
    const need = held + READ_BYTES
    if (grant >= need) return
    // A step more than needed, so a sender does not ask at every read.
    const want = Math.min(need + READ_BYTES, this.available(connection))
    if (want >= need) {
      this.setGrant(connection, want)
      return
    }
    this.waiting.set(connection, now)
    this.budgetPauses++
    connection.pauseForBudget(true)
  }

  /**
   * What the budget could grant `connection` in all: what is free plus what
   * it has, less a reserve of one read for every other connection without a
   * grant (at most half the budget). Such a connection reads once without
   * asking; the reserve is where that read lands, so the relay holds no
   * more than the budget while 64 KiB per connection fit in half of it
   * (2,048 connections at 128 MiB).
   */
  private available(connection: C): number {
    const own = this.grants.get(connection) ?? 0
    const others = this.live.size - this.grants.size - (own === 0 ? 1 : 0)
    const reserve = Math.min(
      this.settings.memoryBudget / 2,
      Math.max(0, others) * READ_BYTES,
    )
    return this.settings.memoryBudget - this.granted - reserve + own
  }

  private setGrant(connection: C, bytes: number): void {
    this.granted += bytes - (this.grants.get(connection) ?? 0)
    if (bytes > 0) this.grants.set(connection, bytes)
    else this.grants.delete(connection)
  }

  /**
   * Waiters, smallest need first (a control message or a short one frees
   * its grant soon): each gets what it holds plus a read, while the budget
   * has it. A big waiter that is never served is shed after the grace.
   */
  private serveWaiting(): void {
    if (this.waiting.size === 0) return
    const byNeed = [...this.waiting.keys()]
      .map((c) => ({ c, need: c.bufferedBytes + READ_BYTES }))
      .sort((a, b) => a.need - b.need)
    for (const { c, need } of byNeed) {
      if (this.available(c) < need) return
      this.setGrant(c, need)
      this.waiting.delete(c)
      c.pauseForBudget(false)
    }
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

  /** Closes a waiter with 1013, freeing what it held. */
  private shed(c: C): void {
    this.waiting.delete(c)
    this.budgetSheds++
    c.shedForBudget(this.settings.memoryBudget)
  }

  /**
   * The relay-wide bound, kept up on a slow timer: grants shrink to what
   * each connection holds now (plus a read), freed budget goes to the
   * waiters, a light waiter kept 1 s behind heavy ones makes the heaviest
   * waiter go (1013), and any connection still waiting after
   * `budgetShedAfterMs` is closed with 1013, so a crowd of stalled senders
   * can neither pin the relay nor stall another client for long.
   */
  checkBudget(now = Date.now()): void {
    let total = 0
    for (const c of this.live) {
      const held = c.bufferedBytes
      total += held
      if (this.waiting.has(c)) continue
      const grant = this.grants.get(c) ?? 0
      const keep = held === 0 ? 0 : held + READ_BYTES
      if (grant > keep) this.setGrant(c, keep)
    }
    if (total > this.peakBufferedBytes) this.peakBufferedBytes = total
    this.serveWaiting()
    // A light client (it holds about one read) kept waiting by heavy ones:
    // the heaviest waiter goes, so a crowd of stalled senders cannot stall it.
    let heaviest: C | undefined
    let isLightStuck = false
    for (const [c, since] of this.waiting) {
      const held = c.bufferedBytes
      if (held <= 2 * READ_BYTES && now - since >= BUDGET_RESCUE_AFTER_MS)
        isLightStuck = true
      if (held > 2 * READ_BYTES && held > (heaviest?.bufferedBytes ?? 0))
        heaviest = c
    }
    if (isLightStuck && heaviest) {
      this.shed(heaviest)
      this.serveWaiting()
    }
    for (const [c, since] of this.waiting)
      if (now - since >= this.settings.budgetShedAfterMs) this.shed(c)
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
