import { describe, expect, it, vi } from 'vitest'
import { ConnectionRegistry, type TrackedConnection } from './registry.js'

const registry = (budget = 1000, perIp = 0) =>
  new ConnectionRegistry({
    maxConnections: 3,
    maxConnectionsPerIp: perIp,
    memoryBudget: budget,
    budgetShedAfterMs: 10_000,
  })

/** A connection as the registry sees it: held bytes, counters, pause and shed spies. */
const fake = (held: number) => {
  const pause = vi.fn()
  const shed = vi.fn()
  const conn = {
    bufferedBytes: held,
    stats: {
      bytesToTarget: 1,
      bytesToClient: 2,
      peakPendingToClient: 0,
      peakPendingToTarget: 0,
      targetPauses: 0,
      clientPauses: 0,
      datagramsDropped: 3,
      bytesDropped: 192,
    },
    pauseForBudget: pause,
    shedForBudget: shed,
  }
  return { conn: conn as TrackedConnection, raw: conn, pause, shed }
}

describe('ConnectionRegistry', () => {
  it('admits up to the limits and releases each lease exactly once', () => {
    const r = registry(1000, 1)
    const first = r.admit('10.0.0.1')
    expect(first.ok).toBe(true)
    expect(r.admit('10.0.0.1')).toEqual({
      ok: false,
      reason: 'Too many connections from 10.0.0.1 (limit 1). Try again later.',
    })
    if (first.ok) {
      first.lease.release()
      first.lease.release() // a second release must not free a slot it does not hold
    }
    expect(r.admit('10.0.0.1').ok).toBe(true)
    expect(r.admit('10.0.0.1').ok).toBe(false)
  })

  it('pauses the connections holding more than their share at the budget, resumes below 3/4, sheds after the grace', () => {
    const r = registry(1000)
    const big = fake(900)
    const small = fake(200)
    r.add(big.conn)
    r.add(small.conn)
    r.checkBudget(0)
    expect(big.pause).toHaveBeenCalledWith(true)
    expect(small.pause).not.toHaveBeenCalled()
    expect(r.snapshot()).toMatchObject({ budgetPauses: 1, bufferedBytes: 1100 })
    r.checkBudget(10_000)
    expect(big.shed).toHaveBeenCalledWith(1000)
    expect(r.snapshot().budgetSheds).toBe(1)
    r.stop()

    const again = registry(1000)
    const c = fake(1200)
    again.add(c.conn)
    again.checkBudget(0)
    c.raw.bufferedBytes = 100
    again.checkBudget(50)
    expect(c.pause).toHaveBeenLastCalledWith(false)
    again.stop()
  })

  it('folds a closed connection into the totals', () => {
    const r = registry()
    const { conn } = fake(0)
    r.add(conn)
    r.remove(conn)
    r.remove(conn) // twice is harmless
    expect(r.snapshot()).toMatchObject({
      connections: 0,
      peakConnections: 1,
      totals: {
        bytesToTarget: 1,
        bytesToClient: 2,
        datagramsDropped: 3,
        bytesDropped: 192,
      },
    })
  })
})
