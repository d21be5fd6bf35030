import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Published, RawRow } from '../compare/report.js'
import { runToExit } from '@wsrelay/test-kit'
import { REPO_ROOT, assertBuilt } from './processes.js'

const dir = mkdtempSync(join(tmpdir(), 'learn-compare-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('pnpm learn:compare --quick (chapter 11)', () => {
  it('repeats each row, prints medians with their spread, and writes its results where it is told', async () => {
    assertBuilt()
    const { code, stdout, stderr } = await runToExit(
      process.execPath,
      [
        'docs/learn/compare/compare.js',
        '--quick',
        '--repeat',
        '3',
        '--out',
        dir,
      ],
      { timeoutMs: 60_000, cwd: REPO_ROOT },
    )
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('(a) 10-byte payload, N round trips')
    expect(stdout).toMatch(
      // Columns are right-aligned: a wide cell (±1221%) widens its header's gap.
      /Messages {2,}HTTP \(ms\) {2,}WebSocket \(ms\) {2,}x times \(range\) {2,}HTTP keep-alive \(ms\)/,
    )
    expect(stdout).toMatch(
      /^ {6}10 +\d+ ±\d+% +\d+ ±\d+% +\d+\.\d\dx \(\d+\.\d-\d+\.\d\) +\d+ ±\d+%$/m,
    )
    expect(stdout).toContain('(b) 100 round trips by payload')
    expect(stdout).toMatch(
      /\d+ CPUs \(.*\), .*, Node \d+\.\d+\.\d+, 3 runs per row; 1-minute load average \d+\.\d\d before the run/,
    )
    // Any warning names what is wrong and what to do.
    for (const line of stdout
      .split('\n')
      .filter((l) => l.startsWith('Warning: ')))
      expect(line).toMatch(/rerun|time budget/)

    const result = JSON.parse(
      readFileSync(join(dir, 'compare.json'), 'utf8'),
    ) as Published & { raw: { byCount: RawRow[] }; warnings: string[] }
    expect(result.repeat).toBe(3)
    expect(result.byCount.map((r) => r.count)).toEqual([10, 100, 300])
    expect(result.byPayload.map((r) => r.payload)).toEqual([10, 1000, 10000])
    for (const raw of result.raw.byCount) expect(raw.runs).toHaveLength(3)
    for (const row of [...result.byCount, ...result.byPayload]) {
      for (const s of [row.http, row.ws, row.keepAlive, row.times]) {
        expect(s.min).toBeGreaterThan(0)
        expect(s.min).toBeLessThanOrEqual(s.median)
        expect(s.median).toBeLessThanOrEqual(s.max)
      }
    }
    expect(readFileSync(join(dir, 'compare.md'), 'utf8')).toContain(
      '| Messages | HTTP (ms) |',
    )

    const chart = readFileSync(join(dir, 'compare.svg'), 'utf8')
    expect(chart).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(chart).toContain('(a) 10-byte messages')
    expect(chart).toContain('10000 B')
    expect(chart).toContain('HTTP keep-alive, one reused connection')
    // Background, three bars per row (HTTP, WebSocket, keep-alive), three legend keys.
    expect(chart.match(/<rect /g)?.length).toBe(1 + 3 * 6 + 3)
  }, 70_000)

  it('refuses a bad --repeat with the range and an example', async () => {
    const { code, stderr } = await runToExit(
      process.execPath,
      ['docs/learn/compare/compare.js', '--repeat', 'lots'],
      { cwd: REPO_ROOT },
    )
    expect(code).toBe(2)
    expect(stderr).toBe(
      'learn:compare: --repeat lots is not a whole number from 1 to 50. Try --repeat 5.\n',
    )
  })
})
