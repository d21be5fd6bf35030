import { describe, expect, it } from 'vitest'
import {
  BUSY_SHARE,
  OWN_LOAD,
  claimWarnings,
  loadWarnings,
  markdownTable,
  median,
  plusMinus,
  spread,
  summarize,
  type Row,
} from '../compare/report.js'

const row = (
  count: number,
  payload: number,
  runs: [http: number, ws: number, keepAlive: number][],
): Row =>
  summarize({
    count,
    payload,
    runs: runs.map(([http, ws, keepAlive]) => ({ http, ws, keepAlive })),
  })

const machine = {
  cpus: 2,
  cpuModel: 'Test CPU',
  platform: 'Linux x64',
  node: '20.20.2',
  loadBefore: 0.2,
  loadMax: 1.1,
}

describe('learn:compare: medians and spread', () => {
  it('takes the median of odd and even counts, and refuses none', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(() => median([])).toThrow('median of no values')
  })

  it("pairs each run's HTTP and WebSocket times for the ratio", () => {
    const r = row(10, 10, [
      [100, 10, 50],
      [300, 100, 60],
      [200, 40, 55],
    ])
    expect(r.http).toEqual({ median: 200, min: 100, max: 300 })
    expect(r.times).toEqual({ median: 5, min: 3, max: 10 })
    expect(plusMinus(r.http)).toBe('±50%')
    expect(plusMinus(spread([7, 7, 7]))).toBe('±0%')
  })

  it('writes Markdown tables as Prettier aligns them', () => {
    const table = markdownTable('Messages', [
      row(10, 10, [[20, 5, 16]]),
      row(10_000, 10, [[4_494, 1_464, 2_109]]),
    ])
    expect(table.split('\n')).toEqual([
      '| Messages | HTTP (ms) | WebSocket (ms) | x times (range) | HTTP keep-alive (ms) |',
      '| -------: | --------: | -------------: | --------------: | -------------------: |',
      '|       10 |    20 ±0% |          5 ±0% | 4.00x (4.0-4.0) |               16 ±0% |',
      '|   10,000 | 4,494 ±0% |      1,464 ±0% | 3.07x (3.1-3.1) |            2,109 ±0% |',
    ])
  })
})

describe('learn:compare: warnings', () => {
  it('says the machine is busy when others hold half its CPUs, before or during the run', () => {
    expect(loadWarnings(machine)).toEqual([])
    const limit = machine.cpus * BUSY_SHARE
    expect(loadWarnings({ ...machine, loadBefore: limit })[0]).toMatch(
      /^the machine is busy: load average 1\.00 before the run .* on 2 CPUs .* rerun when `uptime` shows a load under 1\.0\.$/,
    )
    expect(
      loadWarnings({ ...machine, loadMax: limit + OWN_LOAD + 0.1 }),
    ).toHaveLength(1)
    expect(
      loadWarnings({ ...machine, loadMax: limit + OWN_LOAD - 0.1 }),
    ).toEqual([])
  })

  it('names the sentence of the chapter a result contradicts, and the rows', () => {
    const fine = {
      byCount: [row(10, 10, [[20, 5, 16]])],
      byPayload: [
        row(1_000, 10, [[400, 150, 200]]),
        row(1_000, 10_000, [[450, 250, 280]]),
      ],
    }
    expect(claimWarnings(fine)).toEqual([])
    const slowWebSocket = {
      ...fine,
      byCount: [row(10, 10, [[20, 24, 16]])],
    }
    expect(claimWarnings(slowWebSocket)).toEqual([
      'this run contradicts docs/learn/11-why-not-http-polling.md ("WebSocket wins at every count"): 10 x 10 B: WebSocket 24 ms, HTTP 20 ms (0.83x (0.8-0.8)). ' +
        'On a busy machine, rerun when it is quiet; if a quiet run agrees, the chapter is wrong.',
    ])
    const growingLead = {
      ...fine,
      byPayload: [
        row(1_000, 10, [[400, 200, 200]]),
        row(1_000, 10_000, [[450, 150, 280]]),
      ],
    }
    expect(claimWarnings(growingLead)[0]).toContain(
      '"its lead shrinks as the payload grows"',
    )
    const slowKeepAlive = { ...fine, byCount: [row(10, 10, [[20, 5, 25]])] }
    expect(claimWarnings(slowKeepAlive)[0]).toContain(
      '"is what a new connection costs"',
    )
    const classic = {
      ...fine,
      byCount: [row(10_000, 10, [[20_000, 1_000, 3_000]])],
    }
    expect(claimWarnings(classic)[0]).toContain('"The ratio is smaller here"')
  })
})
