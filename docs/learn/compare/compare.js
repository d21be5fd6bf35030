// pnpm learn:compare: the classic "REST vs WebSocket" experiment, on this machine.
//
// HTTP: N POST requests, one after another, each on a new TCP connection
// (keep-alive off, like the classic experiment's client). WebSocket: N
// messages, one after another, over one WebSocket through wsrelay to the TCP
// echo server. Each side waits for the answer before sending the next, so
// both columns count round trips. A third column repeats HTTP with
// keep-alive on, to show where the difference comes from.
//
//   pnpm learn:compare            full run (about a minute), writes the SVG
//   pnpm learn:compare --quick    small counts, for CI
//   options: --out FILE.svg, --json
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { parseArgs } from 'node:util'
import { WebSocket } from 'ws'
import { renderChart } from './chart.js'

const ROOT = new URL('../../../', import.meta.url)
const RELAY_CLI = new URL('packages/relay/dist/cli.js', ROOT)
const ECHO_CLI = new URL('apps/echo-server/dist/cli.js', ROOT)
const HTTP_ECHO = new URL('http-echo-server.js', import.meta.url)
const DEFAULT_SVG = new URL('../images/compare.svg', import.meta.url)
const SUFFIX = ' from the server'
const ROUND_TRIP_TIMEOUT_MS = 5_000
const START_TIMEOUT_MS = 10_000

const FULL = {
  counts: [10, 100, 500, 1_000, 5_000, 10_000],
  payloadCount: 1_000,
  payloads: [10, 100, 500, 1_000, 5_000, 10_000],
  budgetMs: 110_000,
}
const QUICK = {
  counts: [10, 100, 300],
  payloadCount: 100,
  payloads: [10, 1_000, 10_000],
  budgetMs: 30_000,
}

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (flags.help) {
  console.log('Usage: pnpm learn:compare [--quick] [--out FILE.svg] [--json]')
  process.exit(0)
}
for (const file of [RELAY_CLI, ECHO_CLI]) {
  if (!existsSync(file)) {
    console.error(`${file.pathname} is missing: run "pnpm build" first.`)
    process.exit(2)
  }
}
const plan = flags.quick ? QUICK : FULL
const started = Date.now()
const children = []

/** Starts a server process and resolves with the port it prints. */
function startServer(args) {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(
      () => reject(new Error(`${args[0]} did not start: ${text}`)),
      START_TIMEOUT_MS,
    )
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      text += chunk
      const match = /127\.0\.0\.1:(\d+)/.exec(text)
      if (match) {
        clearTimeout(timer)
        // Keep draining stdout (the relay logs every connection) without keeping it.
        child.stdout.removeAllListeners('data').resume()
        resolve(Number(match[1]))
      }
    })
    child.once('exit', (code) =>
      reject(new Error(`${args[0]} exited with ${code}: ${text}`)),
    )
  })
}

function withTimeout(promise, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`${what}: no answer in ${ROUND_TRIP_TIMEOUT_MS} ms`),
          ),
        ROUND_TRIP_TIMEOUT_MS,
      )
    }),
  ]).finally(() => clearTimeout(timer))
}

function httpRoundTrip(port, agent, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/echo', agent },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => resolve(text))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** N HTTP round trips; `agent: false` opens a new connection for each. */
async function measureHttp(port, keepAlive, count, payload) {
  const agent = keepAlive
    ? new http.Agent({ keepAlive: true, maxSockets: 1 })
    : false
  const body = 'x'.repeat(payload)
  const t0 = performance.now()
  for (let i = 0; i < count; i++) {
    const answer = await withTimeout(httpRoundTrip(port, agent, body), 'HTTP')
    if (answer !== body + SUFFIX)
      throw new Error(`HTTP answered "${answer.slice(0, 40)}"`)
  }
  const ms = performance.now() - t0
  if (agent) agent.destroy()
  return ms
}

/** Opens one WebSocket through the relay; `roundTrip` sends a line and awaits its answer. */
async function openWebSocket(relayPort) {
  const ws = new WebSocket(`ws://127.0.0.1:${relayPort}/`, 'binary')
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  let received = ''
  let waiter
  ws.on('message', (data) => {
    received += data.toString('utf8')
    if (waiter && received.includes('\n')) waiter()
  })
  ws.on('close', (code, reason) => {
    if (waiter) waiter(new Error(`WebSocket closed ${code} ${reason}`))
  })
  const roundTrip = (line) =>
    withTimeout(
      new Promise((resolve, reject) => {
        waiter = (err) => {
          waiter = undefined
          if (err) return reject(err)
          const nl = received.indexOf('\n')
          const answer = received.slice(0, nl)
          received = received.slice(nl + 1)
          resolve(answer)
        }
        ws.send(line + '\n')
      }),
      'WebSocket',
    )
  return { ws, roundTrip }
}

async function measureWebSocket(socket, count, payload) {
  const body = 'x'.repeat(payload)
  const t0 = performance.now()
  for (let i = 0; i < count; i++) {
    const answer = await socket.roundTrip(body)
    if (answer !== body + SUFFIX)
      throw new Error(`WebSocket answered "${answer.slice(0, 40)}"`)
  }
  return performance.now() - t0
}

async function measureRow(ports, socket, count, payload) {
  if (Date.now() - started > plan.budgetMs) return undefined
  const httpMs = await measureHttp(ports.http, false, count, payload)
  const wsMs = await measureWebSocket(socket, count, payload)
  const keepAliveMs = await measureHttp(ports.http, true, count, payload)
  return { count, payload, httpMs, wsMs, keepAliveMs, times: httpMs / wsMs }
}

function table(title, first, rows) {
  const head = [
    first,
    'HTTP (ms)',
    'WebSocket (ms)',
    'x times',
    'HTTP keep-alive (ms)',
  ]
  const lines = rows.map((r) => [
    (first === 'Messages' ? r.count : r.payload).toLocaleString('en-US'),
    Math.round(r.httpMs).toLocaleString('en-US'),
    Math.round(r.wsMs).toLocaleString('en-US'),
    `${r.times.toFixed(2)}x`,
    Math.round(r.keepAliveMs).toLocaleString('en-US'),
  ])
  const widths = head.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => l[i].length)),
  )
  const fmt = (cells) => cells.map((c, i) => c.padStart(widths[i])).join('  ')
  return [title, fmt(head), ...lines.map(fmt)].join('\n')
}

async function main() {
  const [httpPort, echoPort] = await Promise.all([
    startServer([HTTP_ECHO.pathname]),
    startServer([ECHO_CLI.pathname, '--port', '0', '--suffix', SUFFIX]),
  ])
  const relayPort = await startServer([
    RELAY_CLI.pathname,
    '--log-level',
    'info',
    '127.0.0.1:0',
    `127.0.0.1:${echoPort}`,
  ])
  const ports = { http: httpPort }
  const socket = await openWebSocket(relayPort)
  // Warm up both paths (JIT, first connection) so the first row is not all start-up.
  await measureHttp(httpPort, false, 50, 10)
  await measureWebSocket(socket, 50, 10)

  const byCount = []
  for (const count of plan.counts) {
    const row = await measureRow(ports, socket, count, 10)
    if (row) byCount.push(row)
  }
  const byPayload = []
  for (const payload of plan.payloads) {
    const row = await measureRow(ports, socket, plan.payloadCount, payload)
    if (row) byPayload.push(row)
  }
  socket.ws.close(1000)

  const skipped =
    plan.counts.length +
    plan.payloads.length -
    byCount.length -
    byPayload.length
  console.log(table('(a) 10-byte payload, N round trips', 'Messages', byCount))
  console.log()
  console.log(
    table(
      `(b) ${plan.payloadCount.toLocaleString('en-US')} round trips by payload`,
      'Payload (B)',
      byPayload,
    ),
  )
  if (skipped > 0)
    console.log(
      `\n${skipped} row(s) skipped: the ${plan.budgetMs / 1000} s time budget ran out.`,
    )
  const elapsedS = ((Date.now() - started) / 1000).toFixed(1)
  console.log(`\nnode ${process.version}, ${elapsedS} s in all`)

  const out = flags.out ?? (flags.quick ? undefined : DEFAULT_SVG.pathname)
  if (out) {
    const note = `Measured with pnpm learn:compare${flags.quick ? ' --quick' : ''} on node ${process.version}, all on 127.0.0.1.`
    writeFileSync(out, renderChart(byCount, byPayload, note))
    console.log(`chart: ${out}`)
  }
  if (flags.json) console.log(JSON.stringify({ byCount, byPayload }))
}

const stopAll = () => {
  for (const child of children)
    if (child.exitCode === null) child.kill('SIGTERM')
}
main().then(
  () => stopAll(),
  (err) => {
    console.error(`learn:compare: ${err.message}`)
    stopAll()
    process.exitCode = 1
  },
)
