import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { assertBuilt, run } from './processes.js'

interface Row {
  count: number
  payload: number
  httpMs: number
  wsMs: number
  keepAliveMs: number
  times: number
}

const dir = mkdtempSync(join(tmpdir(), 'learn-compare-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('pnpm learn:compare --quick (chapter 9)', () => {
  it('prints both tables in the classic layout and writes the chart', async () => {
    assertBuilt()
    const svg = join(dir, 'compare.svg')
    const { code, stdout, stderr } = await run(
      process.execPath,
      ['docs/learn/compare/compare.js', '--quick', '--json', '--out', svg],
      { timeoutMs: 40_000 },
    )
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('(a) 10-byte payload, N round trips')
    expect(stdout).toMatch(
      /Messages {2}HTTP \(ms\) {2}WebSocket \(ms\) {2}x times {2}HTTP keep-alive \(ms\)/,
    )
    expect(stdout).toContain('(b) 100 round trips by payload')

    const json = stdout.trim().split('\n').at(-1) ?? ''
    const { byCount, byPayload } = JSON.parse(json) as {
      byCount: Row[]
      byPayload: Row[]
    }
    expect(byCount.map((r) => r.count)).toEqual([10, 100, 300])
    expect(byPayload.map((r) => r.payload)).toEqual([10, 1000, 10000])
    for (const row of [...byCount, ...byPayload]) {
      expect(row.httpMs).toBeGreaterThan(0)
      expect(row.wsMs).toBeGreaterThan(0)
      expect(row.times).toBeCloseTo(row.httpMs / row.wsMs, 5)
    }

    const chart = readFileSync(svg, 'utf8')
    expect(chart).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(chart).toContain('(a) 10-byte messages')
    expect(chart).toContain('10000 B')
    expect(chart.match(/<rect /g)?.length).toBe(1 + 2 * 6 + 2) // background, 2 bars per row, legend
  }, 45_000)
})
