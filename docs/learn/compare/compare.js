// pnpm learn:compare: the classic "REST vs WebSocket" experiment, on this machine.
//
// HTTP: N POST requests, one after another, each on a new TCP connection
// (keep-alive off, like the classic experiment's client). WebSocket: N
// messages, one after another, over one WebSocket through wsrelay to the TCP
// echo server. Each side waits for the answer before sending the next, so
// both columns count round trips. A third column repeats HTTP with
// keep-alive on, to show where the difference comes from. Every row runs
// --repeat times; the tables show medians and their spread.
//
//   pnpm learn:compare             full run, 5 runs per row (a few minutes)
//   pnpm learn:compare --quick     small counts, for CI
//   options: --repeat N, --out DIR (default docs/learn/compare/results), --json
//
// It writes DIR/compare.json, compare.md and compare.svg, never the chapter:
// `pnpm learn:compare:publish` puts a run into chapter 11, on purpose.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { WebSocket } from 'ws'
import { renderChart } from './chart.js'
import {
  claimWarnings,
  loadWarnings,
  machineLine,
  markdownTable,
  summarize,
  textTable,
} from './report.js'

const ROOT = new URL('../../../', import.meta.url)
const RELAY_CLI = fileURLToPath(new URL('packages/relay/dist/cli.js', ROOT))
const ECHO_CLI = fileURLToPath(new URL('apps/echo-server/dist/cli.js', ROOT))
const HTTP_ECHO = fileURLToPath(new URL('http-echo-server.js', import.meta.url))
/** Ignored by git: running the experiment never changes a tracked file. */
const DEFAULT_OUT = fileURLToPath(new URL('results/', import.meta.url))
const SUFFIX = ' from the server'
const ROUND_TRIP_TIMEOUT_MS = 5_000
const START_TIMEOUT_MS = 10_000
const DEFAULT_REPEAT = 5
const MAX_REPEAT = 50

const FULL = {
  counts: [10, 100, 500, 1_000, 5_000, 10_000],
  payloadCount: 1_000,
  payloads: [10, 100, 500, 1_000, 5_000, 10_000],
  budgetMs: 600_000,
}
const QUICK = {
  counts: [10, 100, 300],
  payloadCount: 100,
  payloads: [10, 1_000, 10_000],
  budgetMs: 60_000,
}

const USAGE = `Usage: pnpm learn:compare [--quick] [--repeat N] [--out DIR] [--json]

  --quick      small counts (what CI runs)
  --repeat N   runs per row, 1 to ${MAX_REPEAT} (default ${DEFAULT_REPEAT}); the tables show medians
  --out DIR    where compare.json, compare.md and compare.svg go
               (default docs/learn/compare/results, ignored by git)
  --json       also print the results as one JSON line

pnpm learn:compare:publish puts a run into chapter 11.
`

let flags
try {
  ;({ values: flags } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string', default: String(DEFAULT_REPEAT) },
      out: { type: 'string', default: DEFAULT_OUT },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }))
} catch (err) {
  process.stderr.write(`learn:compare: ${err.message}\n\n${USAGE}`)
  process.exit(2)
}
if (flags.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const repeat = Number(flags.repeat)
if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) {
  process.stderr.write(
    `learn:compare: --repeat ${flags.repeat} is not a whole number from 1 to ${MAX_REPEAT}. Try --repeat ${DEFAULT_REPEAT}.\n`,
  )
  process.exit(2)
}
for (const file of [RELAY_CLI, ECHO_CLI]) {
  if (!existsSync(file)) {
    process.stderr.write(
      `learn:compare: ${file} is missing: run "pnpm build" first.\n`,
    )
    process.exit(2)
  }
}
const plan = flags.quick ? QUICK : FULL
const started = Date.now()
const children = []
const loads = [os.loadavg()[0] ?? 0]
const loadBefore = loads[0] ?? 0

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

/**
 * One row, `repeat` times. The three methods take turns leading, so a slow
 * start (a cold cache, a burst of load) does not always fall on the same one.
 */
async function measureRow(ports, socket, count, payload) {
  const runs = []
  for (let r = 0; r < repeat; r++) {
    if (Date.now() - started > plan.budgetMs) break
    const methods = {
      http: () => measureHttp(ports.http, false, count, payload),
      ws: () => measureWebSocket(socket, count, payload),
      keepAlive: () => measureHttp(ports.http, true, count, payload),
    }
    const order = Object.keys(methods)
    const run = {}
    for (let i = 0; i < order.length; i++) {
      const key = order[(i + r) % order.length]
      run[key] = await methods[key]()
    }
    runs.push(run)
    loads.push(os.loadavg()[0] ?? 0)
    process.stderr.write('.')
  }
  return runs.length === 0 ? undefined : { count, payload, runs }
}

async function main() {
  const [httpPort, echoPort] = await Promise.all([
    startServer([HTTP_ECHO]),
    startServer([ECHO_CLI, '--port', '0', '--suffix', SUFFIX]),
  ])
  const relayPort = await startServer([
    RELAY_CLI,
    '--log-format',
    'json',
    '127.0.0.1:0',
    `127.0.0.1:${echoPort}`,
  ])
  const ports = { http: httpPort }
  const socket = await openWebSocket(relayPort)
  // Warm up both paths (JIT, first connection) so the first row is not all start-up.
  await measureHttp(httpPort, false, 50, 10)
  await measureHttp(httpPort, true, 50, 10)
  await measureWebSocket(socket, 50, 10)

  process.stderr.write(
    `learn:compare: ${repeat} runs per row, ${plan.counts.length + plan.payloads.length} rows `,
  )
  const rawByCount = []
  for (const count of plan.counts) {
    const row = await measureRow(ports, socket, count, 10)
    if (row) rawByCount.push(row)
  }
  const rawByPayload = []
  for (const payload of plan.payloads) {
    const row = await measureRow(ports, socket, plan.payloadCount, payload)
    if (row) rawByPayload.push(row)
  }
  process.stderr.write('\n')
  socket.ws.close(1000)

  const byCount = rawByCount.map(summarize)
  const byPayload = rawByPayload.map(summarize)
  const machine = {
    cpus: os.availableParallelism(),
    cpuModel: (os.cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' '),
    platform: `${os.type()} ${os.arch()}`,
    node: process.versions.node,
    loadBefore,
    loadMax: Math.max(...loads),
  }
  const incomplete = [...rawByCount, ...rawByPayload].filter(
    (r) => r.runs.length < repeat,
  ).length
  const skipped =
    plan.counts.length +
    plan.payloads.length -
    byCount.length -
    byPayload.length
  const elapsedS = (Date.now() - started) / 1000
  const warnings = [
    ...loadWarnings(machine),
    ...claimWarnings({ byCount, byPayload }),
    ...(skipped + incomplete > 0
      ? [
          `the ${plan.budgetMs / 1000} s time budget ran out: ${skipped} row(s) skipped, ${incomplete} with fewer than ${repeat} runs.`,
        ]
      : []),
  ]
  const result = {
    quick: flags.quick,
    repeat,
    payloadCount: plan.payloadCount,
    machine,
    elapsedS,
    byCount,
    byPayload,
    raw: { byCount: rawByCount, byPayload: rawByPayload },
    warnings,
  }

  console.log(table(byCount, byPayload))
  console.log(
    `\n${machineLine(machine, repeat)}; ${elapsedS.toFixed(0)} s in all.`,
  )
  for (const warning of warnings) console.log(`\nWarning: ${warning}`)

  mkdirSync(flags.out, { recursive: true })
  const note = `pnpm learn:compare${flags.quick ? ' --quick' : ''}: ${machineLine(machine, repeat)}.`
  writeFileSync(
    `${flags.out}/compare.json`,
    `${JSON.stringify(result, null, 2)}\n`,
  )
  writeFileSync(
    `${flags.out}/compare.md`,
    `${markdownTable('Messages', byCount)}\n\n${markdownTable('Payload (B)', byPayload)}\n`,
  )
  writeFileSync(
    `${flags.out}/compare.svg`,
    renderChart(byCount, byPayload, note),
  )
  console.log(
    `\nwritten: ${flags.out.replace(/\/$/, '')}/compare.{json,md,svg}`,
  )
  if (!flags.quick)
    console.log('to put this run into chapter 11: pnpm learn:compare:publish')
  if (flags.json) console.log(JSON.stringify(result))
}

function table(byCount, byPayload) {
  return [
    textTable('(a) 10-byte payload, N round trips', 'Messages', byCount),
    '',
    textTable(
      `(b) ${plan.payloadCount.toLocaleString('en-US')} round trips by payload`,
      'Payload (B)',
      byPayload,
    ),
    '',
    `Each cell: the median of ${repeat} runs, ± half the spread between the fastest and slowest;`,
    "x times: the median of the runs' HTTP/WebSocket ratios (lowest-highest).",
  ].join('\n')
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
