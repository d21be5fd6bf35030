// A hand-written SVG bar chart: two panels, HTTP and WebSocket side by side.

const WIDTH = 900
const PANEL_HEIGHT = 300
const COLORS = { http: '#c0392b', ws: '#2471a3' }

const escapeXml = (text) =>
  String(text).replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c],
  )

function panel(title, rows, label, top) {
  const left = 70
  const plotWidth = WIDTH - left - 20
  const plotTop = top + 40
  const plotHeight = PANEL_HEIGHT - 90
  const max = Math.max(1, ...rows.flatMap((r) => [r.httpMs, r.wsMs]))
  const group = plotWidth / rows.length
  const bar = Math.min(40, group / 3)
  const y = (ms) => plotTop + plotHeight - (ms / max) * plotHeight
  const parts = [
    `<text x="${left}" y="${top + 22}" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${plotTop + plotHeight}" x2="${left + plotWidth}" y2="${plotTop + plotHeight}" stroke="#333"/>`,
    `<text x="${left - 8}" y="${plotTop + 4}" font-size="11" text-anchor="end">${Math.round(max)} ms</text>`,
    `<text x="${left - 8}" y="${plotTop + plotHeight}" font-size="11" text-anchor="end">0</text>`,
  ]
  rows.forEach((row, i) => {
    const x = left + i * group + group / 2
    for (const [key, ms, dx] of [
      ['http', row.httpMs, -bar],
      ['ws', row.wsMs, 0],
    ]) {
      const top = y(ms)
      parts.push(
        `<rect x="${x + dx}" y="${top.toFixed(1)}" width="${bar}" height="${(plotTop + plotHeight - top).toFixed(1)}" fill="${COLORS[key]}"/>`,
        `<text x="${x + dx + bar / 2}" y="${(top - 3).toFixed(1)}" font-size="10" text-anchor="middle">${Math.round(ms)}</text>`,
      )
    }
    parts.push(
      `<text x="${x}" y="${plotTop + plotHeight + 16}" font-size="12" text-anchor="middle">${escapeXml(label(row))}</text>`,
      `<text x="${x}" y="${plotTop + plotHeight + 32}" font-size="11" text-anchor="middle" fill="#555">${row.times.toFixed(2)}x</text>`,
    )
  })
  return parts.join('\n')
}

/** The comparison as an SVG document: (a) by message count, (b) by payload size. */
export function renderChart(byCount, byPayload, note) {
  const height = PANEL_HEIGHT * 2 + 50
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
    `<rect x="70" y="${PANEL_HEIGHT * 2 + 10}" width="12" height="12" fill="${COLORS.http}"/>`,
    `<text x="88" y="${PANEL_HEIGHT * 2 + 21}" font-size="12">HTTP, a new connection per request</text>`,
    `<rect x="330" y="${PANEL_HEIGHT * 2 + 10}" width="12" height="12" fill="${COLORS.ws}"/>`,
    `<text x="348" y="${PANEL_HEIGHT * 2 + 21}" font-size="12">one WebSocket through wsrelay</text>`,
    `<text x="70" y="${PANEL_HEIGHT * 2 + 42}" font-size="11" fill="#555">${escapeXml(note)}</text>`,
    '</svg>',
    '',
  ].join('\n')
}
