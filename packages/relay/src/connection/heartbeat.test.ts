import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { StallWatch } from './heartbeat.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('the stall watch', () => {
  const TIMEOUT = 1000

  it('never closes a session whose bytes move at least every quarter period, waiting or not', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ms: fc.integer({ min: 1, max: TIMEOUT / 4 }),
            waiting: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        (steps) => {
          vi.useFakeTimers()
          let progress = 0
          let waiting = false
          const onStalled = vi.fn()
          const watch = new StallWatch(TIMEOUT, {
            isWaitingForReader: () => waiting,
            bytesMoved: () => progress,
            onStalled,
          })
          for (const step of steps) {
            // The owner calls watch() whenever it begins to wait.
            if (step.waiting && !waiting) {
              waiting = true
              watch.watch()
            }
            waiting = step.waiting
            progress++
            vi.advanceTimersByTime(step.ms)
          }
          watch.stop()
          vi.useRealTimers()
          expect(onStalled).not.toHaveBeenCalled()
        },
      ),
      { numRuns: 200 },
    )
  })

  it('closes a session that waits with no byte moving within 1.25 periods, whatever came before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: TIMEOUT }), { maxLength: 10 }),
        (before) => {
          vi.useFakeTimers()
          let progress = 0
          let waiting = false
          const onStalled = vi.fn()
          const watch = new StallWatch(TIMEOUT, {
            isWaitingForReader: () => waiting,
            bytesMoved: () => progress,
            onStalled,
          })
          for (const ms of before) {
            progress++
            vi.advanceTimersByTime(ms)
          }
          waiting = true
          watch.watch()
          vi.advanceTimersByTime(TIMEOUT * 1.25 + TIMEOUT / 4)
          vi.useRealTimers()
          expect(onStalled).toHaveBeenCalledTimes(1)
          expect(onStalled).toHaveBeenCalledWith(
            'Nothing moved for 1000 ms: a side stopped reading.',
          )
        },
      ),
      { numRuns: 200 },
    )
  })

  it('runs no timer while nothing waits: it stops itself at the first look that finds no wait', () => {
    vi.useFakeTimers()
    let waiting = true
    const watch = new StallWatch(TIMEOUT, {
      isWaitingForReader: () => waiting,
      bytesMoved: () => 0,
      onStalled: vi.fn(),
    })
    const base = vi.getTimerCount()
    watch.watch()
    expect(vi.getTimerCount()).toBe(base + 1)
    waiting = false
    vi.advanceTimersByTime(TIMEOUT / 4)
    expect(vi.getTimerCount()).toBe(base)
  })
})
