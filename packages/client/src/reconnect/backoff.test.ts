import { describe, expect, it } from 'vitest'
import { backoffDelay, reconnectPolicy } from './backoff.js'

describe('backoffDelay', () => {
  it('doubles from initialDelayMs up to maxDelayMs without jitter', () => {
    const policy = reconnectPolicy({ jitter: 0 })
    expect(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, policy)),
    ).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000])
  })

  it('takes at most `jitter` of the delay off', () => {
    const low = reconnectPolicy({ jitter: 0.5, random: () => 0.999 })
    const high = reconnectPolicy({ jitter: 0.5, random: () => 0 })
    expect(backoffDelay(4, low)).toBe(2002)
    expect(backoffDelay(4, high)).toBe(4000)
  })

  it('names the option that cannot work', () => {
    expect(() => reconnectPolicy({ jitter: 2 })).toThrow(
      expect.objectContaining({
        code: 'CLIENT_INVALID_OPTION',
        message: 'reconnect.jitter is 2; expected a number from 0 to 1.',
      }),
    )
    expect(reconnectPolicy({ initialDelayMs: 60_000 }).maxDelayMs).toBe(60_000)
  })
})
