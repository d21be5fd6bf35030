// What learn:compare makes of its measurements: medians and spread, the
// tables (terminal and Markdown), the machine and its load, and the checks of
// what chapter 11 says against what was measured. Pure: no I/O.

/** The three ways a row is measured, in the order the tables show them. */
export const METHODS = /** @type {const} */ (['http', 'ws', 'keepAlive'])

/**
 * The measurement's own share of the load average: one round trip at a time
 * keeps about one CPU busy (client, relay and servers take turns).
 */
export const OWN_LOAD = 1

/** A machine is busy when others keep more than this share of its CPUs runnable. */
export const BUSY_SHARE = 0.5

/**
 * @typedef {{ count: number, payload: number, runs: { http: number, ws: number, keepAlive: number }[] }} RawRow
 * @typedef {{ median: number, min: number, max: number }} Spread
 * @typedef {{ count: number, payload: number, http: Spread, ws: Spread, keepAlive: Spread, times: Spread }} Row
 * @typedef {{ cpus: number, cpuModel: string, platform: string, node: string, loadBefore: number, loadMax: number }} Machine
 */

/** @param {readonly number[]} values */
export function median(values) {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? /** @type {number} */ (sorted[mid])
    : /** @type {number} */ (
        sorted[mid - 1] + /** @type {number} */ (sorted[mid])
      ) / 2
}

/** @param {readonly number[]} values @returns {Spread} */
export function spread(values) {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
  }
}

/**
 * A row's runs as medians with their spread. `times` is the median of each
 * run's own HTTP/WebSocket ratio: the two are measured back to back, so a
 * burst of load slows both sides of the same ratio.
 * @param {RawRow} raw @returns {Row}
 */
export function summarize(raw) {
  const pick = (/** @type {'http' | 'ws' | 'keepAlive'} */ key) =>
    spread(raw.runs.map((r) => r[key]))
  return {
    count: raw.count,
    payload: raw.payload,
    http: pick('http'),
    ws: pick('ws'),
    keepAlive: pick('keepAlive'),
    times: spread(raw.runs.map((r) => r.http / r.ws)),
  }
}

/** "±12%": half the distance between the slowest and fastest run, against the median. */
export function plusMinus(/** @type {Spread} */ s) {
  if (s.median === 0) return '±0%'
  return `±${Math.round(((s.max - s.min) / 2 / s.median) * 100)}%`
}

const number = (/** @type {number} */ n) =>
  Math.round(n).toLocaleString('en-US')
const ms = (/** @type {Spread} */ s) => `${number(s.median)} ${plusMinus(s)}`
const ratio = (/** @type {Spread} */ s) =>
  `${s.median.toFixed(2)}x (${s.min.toFixed(1)}-${s.max.toFixed(1)})`

/** @param {'Messages' | 'Payload (B)'} first @param {readonly Row[]} rows */
function cells(first, rows) {
  const head = [
    first,
    'HTTP (ms)',
    'WebSocket (ms)',
    'x times (range)',
    'HTTP keep-alive (ms)',
  ]
  const body = rows.map((r) => [
    number(first === 'Messages' ? r.count : r.payload),
    ms(r.http),
    ms(r.ws),
    ratio(r.times),
    ms(r.keepAlive),
  ])
  return { head, body }
}

/** A table for the terminal, columns aligned. @param {string} title @param {'Messages' | 'Payload (B)'} first @param {readonly Row[]} rows */
export function textTable(title, first, rows) {
  const { head, body } = cells(first, rows)
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((l) => (l[i] ?? '').length)),
  )
  const line = (/** @type {string[]} */ c) =>
    c.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ')
  return [title, line(head), ...body.map(line)].join('\n')
}

/** The same table in Markdown, as Prettier formats it. @param {'Messages' | 'Payload (B)'} first @param {readonly Row[]} rows */
export function markdownTable(first, rows) {
  const { head, body } = cells(first, rows)
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((l) => (l[i] ?? '').length)),
  )
  const line = (/** @type {string[]} */ c) =>
    `| ${c.map((cell, i) => cell.padStart(widths[i] ?? 0)).join(' | ')} |`
  const rule = `| ${widths.map((w) => `${'-'.repeat(w - 1)}:`).join(' | ')} |`
  return [line(head), rule, ...body.map(line)].join('\n')
}

/** The machine and its load, in one sentence. @param {Machine} m @param {number} repeat */
export function machineLine(m, repeat) {
  return (
    `${m.cpus} CPUs (${m.cpuModel}), ${m.platform}, Node ${m.node}, ` +
    `${repeat} runs per row; 1-minute load average ${m.loadBefore.toFixed(2)} before the run, ` +
    `at most ${m.loadMax.toFixed(2)} during it (the run itself adds about ${OWN_LOAD})`
  )
}

/**
 * Warnings when others kept the machine busy: before the run, or during it
 * beyond the run's own share.
 * @param {Machine} m @returns {string[]}
 */
export function loadWarnings(m) {
  const limit = m.cpus * BUSY_SHARE
  const others = Math.max(m.loadBefore, m.loadMax - OWN_LOAD)
  if (others < limit) return []
  return [
    `the machine is busy: load average ${m.loadBefore.toFixed(2)} before the run and up to ` +
      `${m.loadMax.toFixed(2)} during it, on ${m.cpus} CPUs (busy from ${limit.toFixed(1)}, ` +
      `plus about ${OWN_LOAD} for the run itself). Other programs take turns with the ` +
      `measurement, so the figures are noisy; rerun when \`uptime\` shows a load under ${limit.toFixed(1)}.`,
  ]
}

/** The classic experiment's ratios, which chapter 11 says are larger than ours. */
export const CLASSIC = {
  byCount: { count: 10_000, payload: 10, http: 10_547, ws: 1_019 },
  byPayload: { count: 1_000, payload: 10_000, http: 1_289, ws: 394 },
}

/**
 * What chapter 11 says about the figures, each sentence as the chapter writes
 * it (a test checks it is there) and a check that returns the rows that
 * contradict it.
 * @type {readonly { says: string, check: (t: { byCount: readonly Row[], byPayload: readonly Row[] }) => string[] }[]}
 */
export const CLAIMS = [
  {
    says: 'WebSocket wins at every count',
    check: ({ byCount, byPayload }) =>
      [...byCount, ...byPayload]
        .filter((r) => r.times.median <= 1)
        .map(
          (r) =>
            `${r.count} x ${r.payload} B: WebSocket ${number(r.ws.median)} ms, HTTP ${number(r.http.median)} ms (${ratio(r.times)})`,
        ),
  },
  {
    says: 'its lead shrinks as the payload grows',
    check: ({ byPayload }) => {
      const first = byPayload[0]
      const last = byPayload.at(-1)
      if (first === undefined || last === undefined || first === last) return []
      return last.times.median < first.times.median
        ? []
        : [
            `${first.payload} B: ${ratio(first.times)}, ${last.payload} B: ${ratio(last.times)}`,
          ]
    },
  },
  {
    says: 'is what a new connection costs',
    check: ({ byCount, byPayload }) =>
      [...byCount, ...byPayload]
        .filter((r) => r.keepAlive.median >= r.http.median)
        .map(
          (r) =>
            `${r.count} x ${r.payload} B: keep-alive ${number(r.keepAlive.median)} ms, a new connection each ${number(r.http.median)} ms`,
        ),
  },
  {
    says: 'The ratio is smaller here',
    check: ({ byCount, byPayload }) => {
      const out = []
      for (const [rows, classic] of /** @type {const} */ ([
        [byCount, CLASSIC.byCount],
        [byPayload, CLASSIC.byPayload],
      ])) {
        const row = rows.find(
          (r) => r.count === classic.count && r.payload === classic.payload,
        )
        const theirs = classic.http / classic.ws
        if (row && row.times.median >= theirs)
          out.push(
            `${row.count} x ${row.payload} B: ${ratio(row.times)} here, ${theirs.toFixed(2)}x in the classic run`,
          )
      }
      return out
    },
  },
]

/** One warning per sentence of chapter 11 that the figures contradict. */
export function claimWarnings(
  /** @type {{ byCount: readonly Row[], byPayload: readonly Row[] }} */ tables,
) {
  return CLAIMS.flatMap(({ says, check }) => {
    const rows = check(tables)
    return rows.length === 0
      ? []
      : [
          `this run contradicts docs/learn/${CHAPTER_FILE} ("${says}"): ${rows.join('; ')}. ` +
            'On a busy machine, rerun when it is quiet; if a quiet run agrees, the chapter is wrong.',
        ]
  })
}

/** The chapter that shows the measurement, in docs/learn/. */
export const CHAPTER_FILE = '11-why-not-http-polling.md'

/** Where `pnpm learn:compare:publish` writes in the chapter, between these two lines. */
export const CHAPTER_MARKERS = /** @type {const} */ ([
  '<!-- learn:compare:publish begin -->',
  '<!-- learn:compare:publish end -->',
])

/**
 * @typedef {{ repeat: number, payloadCount: number, quick: boolean, elapsedS: number, machine: Machine, byCount: Row[], byPayload: Row[] }} Published
 */

/** Prose wrapped at 76 columns, as the chapters are. @param {string} text */
function wrap(text) {
  const lines = ['']
  for (const word of text.split(' ')) {
    const last = lines.length - 1
    if (lines[last] === '') lines[last] = word
    else if (`${lines[last]} ${word}`.length <= 76) lines[last] += ` ${word}`
    else lines.push(word)
  }
  return lines.join('\n')
}

/** The chart's note: what ran, where, under which load. @param {Published} run */
export function chartNote(run) {
  return `pnpm learn:compare${run.quick ? ' --quick' : ''}: ${machineLine(run.machine, run.repeat)}.`
}

/** What chapter 11 shows of a published run: the machine, both tables, the chart and the classic figures. @param {Published} run */
export function chapterBlock(run) {
  const classic = (
    /** @type {string} */ label,
    /** @type {typeof CLASSIC.byCount} */ c,
    /** @type {readonly Row[]} */ rows,
  ) => {
    const row = rows.find((r) => r.count === c.count && r.payload === c.payload)
    const here = row
      ? [
          `${number(row.http.median)} ms`,
          `${number(row.ws.median)} ms`,
          `${row.times.median.toFixed(2)}x`,
        ]
      : ['-', '-', '-']
    return [
      label,
      `${number(c.http)} ms`,
      `${number(c.ws)} ms`,
      `${(c.http / c.ws).toFixed(2)}x`,
      ...here,
    ]
  }
  const head = [
    'Case',
    'Classic HTTP',
    'Classic WebSocket',
    'Classic',
    'Here HTTP',
    'Here WebSocket',
    'Here',
  ]
  const rows = [
    classic('10,000 messages of 10 B', CLASSIC.byCount, run.byCount),
    classic('1,000 messages of 10,000 B', CLASSIC.byPayload, run.byPayload),
  ]
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  )
  const line = (/** @type {string[]} */ c) =>
    `| ${c.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`
  const busy =
    loadWarnings(run.machine).length > 0
      ? ' Other programs kept the machine busy meanwhile, so the spread is wide; a quiet run gives tighter figures.'
      : ''
  return [
    wrap(
      `Measured with \`pnpm learn:compare\` in ${Math.round(run.elapsedS)} s on ${machineLine(run.machine, run.repeat)}.${busy}`,
    ),
    '',
    wrap(
      `Each cell is the median of the ${run.repeat} runs, ± half the spread between the fastest and the slowest; "x times" is the median of the runs' own HTTP/WebSocket ratios, the lowest and highest in brackets.`,
    ),
    '',
    '(a) 10-byte payload',
    '',
    markdownTable('Messages', run.byCount),
    '',
    `(b) ${number(run.payloadCount)} messages`,
    '',
    markdownTable('Payload (B)', run.byPayload),
    '',
    '![HTTP, WebSocket and HTTP keep-alive: total time by message count and by payload](images/compare.svg)',
    '',
    'Beside the classic figures:',
    '',
    line(head),
    rule,
    ...rows.map(line),
  ].join('\n')
}
