import { describe, expect, it } from 'vitest'
import { clampToFdLimit, connectionsWithinFdLimit } from './fd-limit.js'

/** The level and text clampToFdLimit logged, if anything. */
function clampLog(
  maxConnections: number,
  isGiven: boolean,
  listenHost: string | undefined,
  fdLimit: number,
) {
  const lines: { level: string; msg: string }[] = []
  const log = {
    debug: (_fields: object, msg: string) =>
      lines.push({ level: 'debug', msg }),
    warn: (_fields: object, msg: string) => lines.push({ level: 'warn', msg }),
  }
  const fits = clampToFdLimit(maxConnections, isGiven, listenHost, log, fdLimit)
  return { fits, lines }
}

describe('the open-file limit note', () => {
  it('lowers the limit to what the descriptors hold (two per connection, 64 kept, a quarter up to 1,024 for refusing)', () => {
    expect(connectionsWithinFdLimit(10_000, 20_000)).toBe(9455)
    expect(connectionsWithinFdLimit(10_000, 1024)).toBe(351)
    expect(connectionsWithinFdLimit(10_000, undefined)).toBe(10_000)
  })

  it('is a debug line for the default on a loopback relay, however large the cut (pnpm dev)', () => {
    expect(clampLog(10_000, false, '127.0.0.1', 20_000).lines).toEqual([
      {
        level: 'debug',
        msg: 'The open-file limit (20000) holds only 9455 connections, not 10000: using 9455. Raise it (ulimit -n 21090) or set --max-connections.',
      },
    ])
    expect(clampLog(10_000, false, '127.0.0.1', 1024).lines[0]?.level).toBe(
      'debug',
    )
  })

  it('is a debug line when the default loses less than a tenth on a network relay', () => {
    expect(clampLog(10_000, false, '0.0.0.0', 20_000).lines[0]?.level).toBe(
      'debug',
    )
  })

  it('warns when a network relay (or an attached one) loses more of its default', () => {
    expect(clampLog(10_000, false, '0.0.0.0', 1024)).toEqual({
      fits: 351,
      lines: [
        {
          level: 'warn',
          msg: 'The open-file limit (1024) holds only 351 connections, not 10000: using 351. Raise it (ulimit -n 21090) or set --max-connections.',
        },
      ],
    })
    expect(clampLog(10_000, false, undefined, 1024).lines[0]?.level).toBe(
      'warn',
    )
  })

  it('warns whenever --max-connections asked for more than fits, even on loopback', () => {
    expect(clampLog(500, true, '127.0.0.1', 256).lines[0]?.level).toBe('warn')
  })

  it('says nothing when everything fits', () => {
    expect(clampLog(100, true, '0.0.0.0', 1024)).toEqual({
      fits: 100,
      lines: [],
    })
  })
})
