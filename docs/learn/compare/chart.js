// A hand-written SVG bar chart: two panels, three bars per row (HTTP with a
// new connection each, one WebSocket, HTTP keep-alive), each bar the median
// of the runs with a line from the fastest to the slowest.

/** @typedef {import('./report.js').Row} Row */

const WIDTH = 900
const PANEL_HEIGHT = 300
const SERIES = /** @type {const} */ ([
  ['http', '#c0392b', 'HTTP, a new connection per request'],
  ['ws', '#2471a3', 'one WebSocket through wsrelay'],
  ['keepAlive', '#b9770e', 'HTTP keep-alive, one reused connection'],
])

const escapeXml = (/** @type {unknown} */ text) =>
  String(text).replace(
    /[<>&"]/g,
    (c) =>
      /** @type {Record<string, string>} */ ({
        '<': '&lt;',
        '>': '&gt;',
        '&': '&amp;',
        '"': '&quot;',
      })[c] ?? c,
  )

/** @param {string} title @param {readonly Row[]} rows @param {(r: Row) => string} label @param {number} top */
function panel(title, rows, label, top) {
  const left = 70
  const plotWidth = WIDTH - left - 20
  const plotTop = top + 40
  const plotHeight = PANEL_HEIGHT - 90
  const max = Math.max(
    1,
    ...rows.flatMap((r) => SERIES.map(([key]) => r[key].max)),
  )
  const group = plotWidth / Math.max(1, rows.length)
  const bar = Math.min(36, group / 4)
  const y = (/** @type {number} */ ms) =>
    plotTop + plotHeight - (ms / max) * plotHeight
  const parts = [
    `<text x="${left}" y="${top + 22}" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${plotTop + plotHeight}" x2="${left + plotWidth}" y2="${plotTop + plotHeight}" stroke="#333"/>`,
    `<text x="${left - 8}" y="${plotTop + 4}" font-size="11" text-anchor="end">${Math.round(max)} ms</text>`,
    `<text x="${left - 8}" y="${plotTop + plotHeight}" font-size="11" text-anchor="end">0</text>`,
  ]
  rows.forEach((row, i) => {
    const x = left + i * group + group / 2 - (bar * SERIES.length) / 2
    SERIES.forEach(([key, color], n) => {
      const { median, min, max: slowest } = row[key]
      const barTop = y(median)
      const mid = x + n * bar + bar / 2
      parts.push(
        `<rect x="${(x + n * bar).toFixed(1)}" y="${barTop.toFixed(1)}" width="${bar.toFixed(1)}" height="${(plotTop + plotHeight - barTop).toFixed(1)}" fill="${color}"/>`,
        `<line x1="${mid.toFixed(1)}" y1="${y(min).toFixed(1)}" x2="${mid.toFixed(1)}" y2="${y(slowest).toFixed(1)}" stroke="#000" stroke-width="1.5"/>`,
        `<text x="${mid.toFixed(1)}" y="${(y(slowest) - 3).toFixed(1)}" font-size="10" text-anchor="middle">${Math.round(median)}</text>`,
      )
    })
    const centre = x + (bar * SERIES.length) / 2
    parts.push(
      `<text x="${centre.toFixed(1)}" y="${plotTop + plotHeight + 16}" font-size="12" text-anchor="middle">${escapeXml(label(row))}</text>`,
      `<text x="${centre.toFixed(1)}" y="${plotTop + plotHeight + 32}" font-size="11" text-anchor="middle" fill="#555">${row.times.median.toFixed(2)}x</text>`,
    )
  })
  return parts.join('\n')
}

/** The note in lines that fit the chart's width (about 130 characters at 11 px). @param {string} note */
function wrapNote(note) {
  const lines = ['']
  for (const word of note.split(' ')) {
    const last = lines.length - 1
    if (lines[last] === '') lines[last] = word
    else if (`${lines[last]} ${word}`.length <= 130) lines[last] += ` ${word}`
    else lines.push(word)
  }
  return lines
}

/**
 * The comparison as an SVG document: (a) by message count, (b) by payload
 * size; bars are medians, lines the range of the runs.
 * @param {readonly Row[]} byCount @param {readonly Row[]} byPayload @param {string} note
 */
export function renderChart(byCount, byPayload, note) {
  const noteLines = wrapNote(note)
  const legendY = PANEL_HEIGHT * 2 + 10
  const height = legendY + 40 + 16 * noteLines.length
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    panel(
      '(a) 10-byte messages: total ms for N round trips',
      byCount,
      (r) => `N = ${r.count}`,
      0,
    ),
    panel(
      `(b) ${byPayload[0]?.count ?? 0} round trips: total ms by payload`,
      byPayload,
      (r) => `${r.payload} B`,
      PANEL_HEIGHT,
    ),
    ...SERIES.map(([, color, label], n) =>
      [
        `<rect x="${70 + n * 270}" y="${legendY}" width="12" height="12" fill="${color}"/>`,
        `<text x="${88 + n * 270}" y="${legendY + 11}" font-size="12">${escapeXml(label)}</text>`,
      ].join('\n'),
    ),
    `<text x="70" y="${legendY + 32}" font-size="11" fill="#555">Bars: the median of the runs; lines: fastest to slowest run; under each group: HTTP / WebSocket.</text>`,
    ...noteLines.map(
      (line, i) =>
        `<text x="70" y="${legendY + 50 + 16 * i}" font-size="11" fill="#555">${escapeXml(line)}</text>`,
    ),
    '</svg>',
    '',
  ].join('\n')
}
