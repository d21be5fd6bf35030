/**
 * `pnpm bench:console`: does the console keep up? A TCP server streams lines
 * through the real relay into a real Chromium while a person types; the bench
 * measures typing latency (key press to the next frame) and the longest task
 * on the page's main thread, for a steady 100 lines/s and a 100,000-line
 * burst, in the Vite dev server and in the production build.
 *
 *   pnpm bench:console            both builds, a table
 *   pnpm bench:console --json     the figures as JSON
 */
import { spawn } from 'node:child_process'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from '@playwright/test'
import { startViteDevServer } from '../vite-dev.js'

/** The budgets: typing stays under 50 ms (median), no task blocks the page over 200 ms. */
export const BUDGET = { typingMedianMs: 50, longestTaskMs: 200 } as const
/** The steady stream: one line every 10 ms for this long. */
const STEADY_LINES_PER_S = 100
const STEADY_SECONDS = 15
/** The burst: this many lines written at once. */
const BURST_LINES = 100_000
/** Typed while the lines arrive: this many keys, this far apart (ms). */
const KEYS = 80
const KEY_GAP_MS = 60

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RELAY_CLI = `${ROOT}packages/relay/dist/cli.js`
const CONSOLE_DIST = `${ROOT}apps/console/dist`
const CHROMIUM = '/usr/bin/chromium'

/** Answers `steady` with 100 lines/s and `burst` with 100,000 lines at once. */
function startStreamServer(): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<Socket>()
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.setEncoding('utf8')
    socket.on('data', (command: string) => {
      if (command.startsWith('steady')) {
        let sent = 0
        const total = STEADY_LINES_PER_S * STEADY_SECONDS
        const timer = setInterval(() => {
          if (socket.destroyed || sent >= total) return clearInterval(timer)
          socket.write(`steady line ${++sent} of ${total}\n`)
        }, 1000 / STEADY_LINES_PER_S)
      } else if (command.startsWith('burst')) {
        const lines: string[] = []
        for (let i = 1; i <= BURST_LINES; i++)
          lines.push(`burst line ${i} of ${BURST_LINES}\n`)
        socket.write(lines.join(''))
      }
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        close: () => {
          for (const socket of sockets) socket.destroy()
          server.close()
        },
      }),
    ),
  )
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createTcpServer()
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not answer within 60 s`)
}

/** Starts the probes: latency of every key press, and every long task. */
async function installProbes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe = { latencies: [] as number[], longestTaskMs: 0 }
    ;(window as unknown as { probe: typeof probe }).probe = probe
    document.getElementById('message')?.addEventListener('keydown', (event) => {
      const pressed = event.timeStamp
      // The frame that shows the key, then the first moment after it.
      requestAnimationFrame(() =>
        setTimeout(() => probe.latencies.push(performance.now() - pressed), 0),
      )
    })
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        probe.longestTaskMs = Math.max(probe.longestTaskMs, entry.duration)
    }).observe({ type: 'longtask', buffered: false })
  })
}

interface Figures {
  build: 'dev' | 'production'
  stream: string
  typingMedianMs: number
  typingMaxMs: number
  longestTaskMs: number
}

async function measure(
  page: Page,
  build: Figures['build'],
  stream: string,
  command: string,
  lastLine: string,
): Promise<Figures> {
  const input = page.getByLabel('Message')
  await page.getByRole('button', { name: 'Clear' }).click()
  await input.fill(command)
  await input.press('Enter')
  await installProbes(page)
  await input.pressSequentially(
    'the quick brown fox jumps over the lazy dog '.repeat(2).slice(0, KEYS),
    {
      delay: KEY_GAP_MS,
    },
  )
  // A cheap check four times a second: the bench's own polling must not be what it measures.
  await page.waitForFunction(
    (text) =>
      document.querySelector('.log .entry:last-child .line')?.textContent ===
      text,
    lastLine,
    { polling: 250, timeout: 120_000 },
  )
  const { latencies, longestTaskMs } = await page.evaluate(
    () =>
      (
        window as unknown as {
          probe: { latencies: number[]; longestTaskMs: number }
        }
      ).probe,
  )
  await input.fill('')
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    build,
    stream,
    typingMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN),
    typingMaxMs: Math.round(sorted.at(-1) ?? NaN),
    longestTaskMs: Math.round(longestTaskMs),
  }
}

async function main(): Promise<void> {
  const asJson = process.argv.includes('--json')
  for (const file of [RELAY_CLI, `${CONSOLE_DIST}/index.html`]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: run "pnpm build" first.`)
  }
  const stream = await startStreamServer()
  const relayPort = await freePort()
  const vitePort = await freePort()
  const stops: (() => void)[] = []
  const browser = await chromium.launch({
    executablePath: existsSync(CHROMIUM) ? CHROMIUM : undefined,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  })
  try {
    const relay = spawn(
      process.execPath,
      [
        RELAY_CLI,
        '--web',
        CONSOLE_DIST,
        `127.0.0.1:${relayPort}`,
        `127.0.0.1:${stream.port}`,
      ],
      { stdio: 'ignore' },
    )
    stops.push(() => relay.kill('SIGTERM'))
    await waitForHttp(`http://127.0.0.1:${relayPort}/healthz`)
    const vite = startViteDevServer(vitePort, `ws://127.0.0.1:${relayPort}`)
    stops.push(() => vite.stop())
    await waitForHttp(`http://127.0.0.1:${vitePort}/`)

    const results: Figures[] = []
    for (const [build, url] of [
      ['dev', `http://127.0.0.1:${vitePort}/`],
      ['production', `http://127.0.0.1:${relayPort}/`],
    ] as const) {
      const page = await browser.newPage({
        viewport: { width: 1280, height: 800 },
      })
      await page.goto(url)
      await page
        .getByRole('status', { name: 'Connection status' })
        .filter({ hasText: /^Connected$/ })
        .waitFor({ timeout: 60_000 })
      const total = STEADY_LINES_PER_S * STEADY_SECONDS
      results.push(
        await measure(
          page,
          build,
          `steady ${STEADY_LINES_PER_S} lines/s`,
          'steady',
          `<<< steady line ${total} of ${total}`,
        ),
        await measure(
          page,
          build,
          `burst of ${BURST_LINES.toLocaleString('en')} lines`,
          'burst',
          `<<< burst line ${BURST_LINES} of ${BURST_LINES}`,
        ),
      )
      await page.close()
    }
    if (asJson) {
      process.stdout.write(
        `${JSON.stringify({ budget: BUDGET, results }, null, 2)}\n`,
      )
    } else {
      const rows = results.map((r) => {
        const ok =
          r.typingMedianMs < BUDGET.typingMedianMs &&
          r.longestTaskMs < BUDGET.longestTaskMs
        return `| ${r.build.padEnd(10)} | ${r.stream.padEnd(24)} | ${String(r.typingMedianMs).padStart(6)} | ${String(r.typingMaxMs).padStart(6)} | ${String(r.longestTaskMs).padStart(8)} | ${ok ? 'yes' : 'NO '} |`
      })
      process.stdout.write(
        [
          `Typing latency (key press to next frame) and longest main-thread task; budget: median < ${BUDGET.typingMedianMs} ms, no task over ${BUDGET.longestTaskMs} ms.`,
          '| build      | stream                   | median |    max | longtask | ok  |',
          '| ---------- | ------------------------ | -----: | -----: | -------: | --- |',
          ...rows,
          '',
        ].join('\n'),
      )
    }
    const over = results.filter(
      (r) =>
        !(
          r.typingMedianMs < BUDGET.typingMedianMs &&
          r.longestTaskMs < BUDGET.longestTaskMs
        ),
    )
    if (over.length > 0) process.exitCode = 1
  } finally {
    await browser.close()
    stream.close()
    for (const stop of stops) stop()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:console: ${err instanceof Error ? err.message : String(err)}\n`,
  )
  process.exitCode = 1
})
