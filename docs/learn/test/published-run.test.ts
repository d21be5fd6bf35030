import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderChart } from '../compare/chart.js'
import {
  CHAPTER_FILE,
  CHAPTER_MARKERS,
  CLAIMS,
  chapterBlock,
  chartNote,
  claimWarnings,
  summarize,
  type Published,
  type RawRow,
} from '../compare/report.js'
import { REPO_ROOT } from './processes.js'

const CHAPTER = `${REPO_ROOT}docs/learn/${CHAPTER_FILE}`
const PUBLISHED = `${REPO_ROOT}docs/learn/compare/published.json`
const CHART = `${REPO_ROOT}docs/learn/images/compare.svg`

describe('chapter 11 shows one published run', () => {
  const chapter = readFileSync(CHAPTER, 'utf8')

  it('says every sentence learn:compare checks', () => {
    for (const { says } of CLAIMS)
      expect(chapter.replace(/\s+/g, ' ')).toContain(says)
  })

  it('has a published run: the full plan, five runs per row, rows drawn from the raw runs', () => {
    expect(
      existsSync(PUBLISHED),
      'run pnpm learn:compare, then pnpm learn:compare:publish',
    ).toBe(true)
    const run = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as Published & {
      raw: { byCount: RawRow[]; byPayload: RawRow[] }
    }
    expect(run.quick).toBe(false)
    expect(run.repeat).toBeGreaterThanOrEqual(5)
    expect(run.byCount.map((r) => r.count)).toEqual([
      10, 100, 500, 1_000, 5_000, 10_000,
    ])
    expect(run.byPayload.map((r) => r.payload)).toEqual([
      10, 100, 500, 1_000, 5_000, 10_000,
    ])
    expect(run.raw.byCount.map(summarize)).toEqual(run.byCount)
    expect(run.raw.byPayload.map(summarize)).toEqual(run.byPayload)
    for (const r of [...run.raw.byCount, ...run.raw.byPayload])
      expect(r.runs).toHaveLength(run.repeat)
  })

  it('shows its tables between the markers, and its chart', () => {
    const run = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as Published
    const [begin, end] = CHAPTER_MARKERS
    const region = chapter.slice(
      chapter.indexOf(begin) + begin.length,
      chapter.indexOf(end),
    )
    expect(region.trim()).toBe(chapterBlock(run))
    expect(readFileSync(CHART, 'utf8')).toBe(
      renderChart(run.byCount, run.byPayload, chartNote(run)),
    )
  })

  it('contradicts nothing the chapter says', () => {
    const run = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as Published
    expect(claimWarnings(run)).toEqual([])
  })
})
