// pnpm learn:compare:publish: puts one run of `pnpm learn:compare` into
// chapter 11, on purpose: its tables, the chart and the run itself
// (published.json, from which a test checks that the two were drawn).
//
//   pnpm learn:compare               measure (writes docs/learn/compare/results/)
//   pnpm learn:compare:publish       publish that run
//   pnpm learn:compare:publish DIR   publish the run in DIR/compare.json
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderChart } from './chart.js'
import {
  CHAPTER_FILE,
  CHAPTER_MARKERS,
  chapterBlock,
  chartNote,
  claimWarnings,
} from './report.js'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const dir = process.argv[2] ?? here('results/')
const CHAPTER = here(`../${CHAPTER_FILE}`)
const CHART = here('../images/compare.svg')
const PUBLISHED = here('published.json')

let run
try {
  run = JSON.parse(readFileSync(`${dir}/compare.json`, 'utf8'))
} catch (err) {
  console.error(
    `learn:compare:publish: cannot read ${dir}/compare.json (${err.code ?? err.message}). Run "pnpm learn:compare" first.`,
  )
  process.exit(2)
}
if (run.quick) {
  console.error(
    'learn:compare:publish: that run used --quick; the chapter shows the full run. Run "pnpm learn:compare".',
  )
  process.exit(2)
}
const contradictions = claimWarnings(run)
if (contradictions.length > 0) {
  console.error(
    `learn:compare:publish: this run contradicts the chapter, so the chapter's tests would fail:\n${contradictions.join('\n')}\nRerun on a quiet machine, or change what the chapter says.`,
  )
  process.exit(1)
}

const published = run
const [begin, end] = CHAPTER_MARKERS
const chapter = readFileSync(CHAPTER, 'utf8')
const from = chapter.indexOf(begin)
const to = chapter.indexOf(end)
if (from < 0 || to < from) {
  console.error(
    `learn:compare:publish: ${CHAPTER} has lost its markers; put "${begin}" and "${end}" back around the tables.`,
  )
  process.exit(1)
}
writeFileSync(
  CHAPTER,
  `${chapter.slice(0, from + begin.length)}\n\n${chapterBlock(published)}\n\n${chapter.slice(to)}`,
)
writeFileSync(PUBLISHED, `${JSON.stringify(published, null, 2)}\n`)
writeFileSync(
  CHART,
  renderChart(published.byCount, published.byPayload, chartNote(published)),
)
console.log(
  `published ${dir}/compare.json into docs/learn/${CHAPTER_FILE}, docs/learn/images/compare.svg and docs/learn/compare/published.json`,
)
