import { expect, test } from '@playwright/test'
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PORTS } from '../ports.js'
import { log, logLine, sendLine, status } from '../page.js'
import { startRelay, type SpecProcess } from '../processes.js'
import { startViteDevServer } from '../vite-dev.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The PID of the process listening on 127.0.0.1:port, from /proc (Linux). */
function pidListeningOn(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const inode = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .find((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')?.[9]
  if (!inode) return undefined
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`)
          return Number(pid)
      }
    } catch {
      // A process that ended, or one we may not look into: not the one.
    }
  }
  return undefined
}

test('pnpm dev: says when to open the console, which then answers at once; a stopped echo server comes back', async ({
  page,
}) => {
  test.skip(process.platform !== 'linux', 'finds the echo server by /proc')
  test.setTimeout(120_000)
  const dev = spawn('pnpm', ['dev'], {
    cwd: ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ECHO_PORT: String(PORTS.devEcho),
      RELAY_PORT: String(PORTS.devRelay),
      CONSOLE_PORT: String(PORTS.devConsole),
    },
  })
  let raw = ''
  /** What the terminal shows, colours taken out. */
  // eslint-disable-next-line no-control-regex
  const plain = () => raw.replace(/\x1b\[[0-9;]*m/g, '')
  const seen = (pattern: RegExp) =>
    expect.poll(() => pattern.test(plain()), { timeout: 60_000 }).toBe(true)
  dev.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()))
  dev.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()))
  try {
    const url = `http://localhost:${PORTS.devConsole}/`
    await seen(
      new RegExp(
        `\\[dev\\] Ready in [\\d.]+ s\\. Open ${url} and type hello\\.`,
      ),
    )
    // Nothing printed another URL to open before the relay was up.
    expect(plain().indexOf(`localhost:${PORTS.devConsole}`)).toBeGreaterThan(
      plain().indexOf('[dev] Ready'),
    )
    await page.goto(url)
    await expect(status(page)).toHaveText('Connected')
    await sendLine(page, 'hello')
    await expect(logLine(page, '<<< hello from the server')).toBeVisible()
    await expect(page.locator('.entry-error')).toHaveCount(0)
    // Readable relay lines, no JSON, no proxy stack traces.
    expect(plain()).toMatch(/\[relay\] +\[[\d:.]+\] INFO: relay listening/)
    expect(plain()).not.toMatch(/\[relay\] +\{"level"/)
    expect(plain()).not.toContain('ECONNREFUSED')

    const echoPid = pidListeningOn(PORTS.devEcho)
    expect(echoPid).toBeDefined()
    process.kill(echoPid as number, 'SIGKILL')
    await seen(
      new RegExp(
        `\\[dev\\] The echo server on 127\\.0\\.0\\.1:${PORTS.devEcho} stopped: starting it again\\.`,
      ),
    )
    await expect
      .poll(() => pidListeningOn(PORTS.devEcho), { timeout: 30_000 })
      .not.toBe(echoPid)
    // The session ended with the server; a new one reaches the new server.
    await expect(status(page)).not.toHaveText('Connected')
    const connect = page.getByRole('button', { name: 'Connect', exact: true })
    await expect
      .poll(
        async () => {
          if (await connect.isEnabled()) await connect.click()
          return status(page).innerText()
        },
        { timeout: 30_000 },
      )
      .toBe('Connected')
    await sendLine(page, 'again')
    await expect(logLine(page, '<<< again from the server')).toBeVisible()
  } finally {
    if (dev.pid) process.kill(-dev.pid, 'SIGTERM')
  }
})

test('the first minute: a console opened before the relay starts waits quietly, the dev server prints no stack traces, and it connects once the relay is up', async ({
  page,
}) => {
  test.setTimeout(90_000)
  const vite = startViteDevServer(
    PORTS.lateVite,
    `ws://127.0.0.1:${PORTS.lateRelay}`,
  )
  let relay: SpecProcess | undefined
  try {
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${PORTS.lateVite}/`).then(
            (res) => res.ok,
            () => false,
          ),
        { timeout: 60_000 },
      )
      .toBe(true)
    await page.goto(`http://127.0.0.1:${PORTS.lateVite}/`)
    await expect(status(page)).toHaveText('Waiting for the relay')
    // At least two attempts went through the proxy and failed.
    await expect(log(page).getByLabel(/^\d+ times$/)).toBeVisible()
    relay = await startRelay(PORTS.lateRelay, PORTS.echo)
    await expect(status(page)).toHaveText('Connected', { timeout: 15_000 })
    await sendLine(page, 'hello')
    await expect(logLine(page, '<<< hello from the server')).toBeVisible()
    await expect(page.locator('.entry-error')).toHaveCount(0)
    expect(vite.output()).not.toContain('ECONNREFUSED')
    expect(vite.output()).not.toMatch(/proxy error/)
    expect(vite.output().match(/is not answering yet/g)).toHaveLength(1)
  } finally {
    await relay?.kill()
    vite.stop()
  }
})
