import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  ConnectionRegistry,
  READ_BYTES,
  type TrackedConnection,
} from './registry.js'

const registry = (budget = 1000, perIp = 0) =>
  new ConnectionRegistry({
    maxConnections: 10,
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

  it('grants a holder what it holds plus a read, and pauses it before its next read when the budget has no more', () => {
    const budget = 4 * READ_BYTES
    const r = registry(budget)
    const a = fake(READ_BYTES)
    const b = fake(READ_BYTES)
    r.add(a.conn)
    r.add(b.conn)
    r.admitRead(a.conn, 0) // holds 64 KiB: granted 64 KiB + a read + a step
    expect(a.pause).not.toHaveBeenCalled()
    r.admitRead(b.conn, 0) // 64 KiB more would fit, 64 KiB and a read do not
    expect(b.pause).toHaveBeenCalledWith(true)
    expect(r.snapshot().budgetPauses).toBe(1)
    // a delivers what it held: its grant comes back and b is served.
    a.raw.bufferedBytes = 0
    r.checkBudget(50)
    expect(b.pause).toHaveBeenLastCalledWith(false)
    r.stop()
  })

  it('lets a connection that holds nothing read without a grant', () => {
    const r = registry(1)
    const idle = fake(0)
    r.add(idle.conn)
    r.admitRead(idle.conn, 0)
    expect(idle.pause).not.toHaveBeenCalled()
    r.stop()
  })

  it('sheds the heaviest waiter when a light one has waited 1 s behind it, and any waiter after 10 s', () => {
    const r = registry(8 * READ_BYTES)
    const holder = fake(5 * READ_BYTES)
    const heavy = fake(3 * READ_BYTES)
    const light = fake(1)
    for (const c of [holder, heavy, light]) r.add(c.conn)
    r.admitRead(holder.conn, 0)
    r.admitRead(heavy.conn, 0)
    r.admitRead(light.conn, 0)
    expect(heavy.pause).toHaveBeenCalledWith(true)
    expect(light.pause).toHaveBeenCalledWith(true)
    r.checkBudget(999)
    expect(heavy.shed).not.toHaveBeenCalled()
    r.checkBudget(1000)
    expect(heavy.shed).toHaveBeenCalledWith(8 * READ_BYTES)
    r.remove(heavy.conn) // it closes: what it held is free
    expect(light.pause).toHaveBeenLastCalledWith(false)
    // The holder now waits too, alone: after 10 s it is shed as well.
    holder.raw.bufferedBytes = 7 * READ_BYTES
    r.admitRead(holder.conn, 2000)
    expect(holder.pause).toHaveBeenCalledWith(true)
    r.checkBudget(11_999)
    expect(holder.shed).not.toHaveBeenCalled()
    r.checkBudget(12_000)
    expect(holder.shed).toHaveBeenCalled()
    expect(r.snapshot().budgetSheds).toBe(2)
    r.stop()
  })

  it('never holds more than the budget, whatever connections read and deliver', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 64 }).map((n) => n * 64 * 1024),
        fc.array(
          fc.record({
            who: fc.nat(7),
            // A read of up to 64 KiB, or bytes delivered (negative).
            bytes: fc.integer({ min: -300 * 1024, max: READ_BYTES }),
            tick: fc.boolean(),
          }),
          { maxLength: 150 },
        ),
        (budget, steps) => {
          const r = registry(budget)
          const conns = Array.from({ length: 8 }, () => fake(0))
          const paused = new Set<number>()
          conns.forEach((c, i) => {
            c.pause.mockImplementation((isPaused: boolean) =>
              isPaused ? paused.add(i) : paused.delete(i),
            )
            r.add(c.conn)
          })
          let now = 0
          for (const step of steps) {
            const c = conns[step.who]
            if (!c) continue
            if (step.bytes < 0) {
              c.raw.bufferedBytes = Math.max(
                0,
                c.raw.bufferedBytes + step.bytes,
              )
            } else if (!paused.has(step.who)) {
              // Only a connection that reads takes in bytes, and then asks.
              c.raw.bufferedBytes += step.bytes
              r.admitRead(c.conn, now)
            }
            if (step.tick) r.checkBudget((now += 100))
            const held = conns.reduce((sum, k) => sum + k.raw.bufferedBytes, 0)
            expect(held).toBeLessThanOrEqual(budget)
          }
          r.stop()
        },
      ),
      { numRuns: 500 },
    )
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
