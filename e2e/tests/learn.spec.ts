/**
 * The walkthrough's pages in a real Chromium: chapter 4's page
 * (docs/learn/examples/ch4/index.html) with every event and close code the
 * chapter makes happen, chapter 5's tour of the page API, chapter 8's console
 * on the C++ server. Each test starts its own echo server and relays on free
 * ports (port 0), apart from the fixed-port stack the other specs share.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import {
  startProcess,
  startRelayProcess,
  type WatchedProcess,
} from '@wsrelay/test-kit'
import { lacks } from '@wsrelay/test-kit/tools'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ECHO_CLI = `${ROOT}apps/echo-server/dist/cli.js`
const PAGE_DIR = `${ROOT}docs/learn/examples/ch4`
const API_PAGE_DIR = `${ROOT}docs/learn/examples/ch5`
/** Nothing listens on the discard port on a CI machine or a laptop. */
const DEAD_TARGET = '127.0.0.1:9'

interface Server {
  readonly port: number
  stop(): Promise<void>
}

const started: Server[] = []
test.afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()))
})

const track = (watched: WatchedProcess<unknown>, port: number): Server => {
  const server = { port, stop: () => watched.stop('SIGTERM') }
  started.push(server)
  return server
}

/** Starts a program and resolves once it prints the 127.0.0.1:PORT it listens on. */
async function start(
  args: string[],
  command: string = process.execPath,
): Promise<Server> {
  const watched = await startProcess({
    command,
    args,
    cwd: ROOT,
    ready: (line) => /127\.0\.0\.1:(\d+)/.exec(line)?.[1],
  })
  return track(watched, Number(watched.ready))
}

const startEcho = () =>
  start([ECHO_CLI, '--port', '0', '--suffix', ' from the server'])
/** The relay CLI serving `web` (the chapter's page by default), started the one way every test starts it. */
const startRelay = async (args: string[], web = PAGE_DIR) => {
  const relay = await startRelayProcess(['--web', web, ...args], { cwd: ROOT })
  return track(relay, relay.port)
}

const log = (page: Page) => page.getByRole('log', { name: 'Log' })

/** The `text` block a chapter marks with `<!-- learn.spec.ts: the page logs -->`. */
function chapterLog(chapter: string): string {
  const text = readFileSync(`${ROOT}docs/learn/${chapter}`, 'utf8')
  const block =
    /<!-- learn\.spec\.ts: the page logs -->\s*```text\n([\s\S]*?)\n```/.exec(
      text,
    )
  if (!block?.[1]) throw new Error(`${chapter} has no marked page log`)
  return block[1]
}

async function sendLine(page: Page, text: string) {
  await page.getByLabel('Line').fill(text)
  await page.getByLabel('Line').press('Enter')
}

test('the page logs open and the echoed line, as text', async ({ page }) => {
  const echo = await startEcho()
  const relay = await startRelay(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
  await page.goto(`http://127.0.0.1:${relay.port}/`)
  await expect(log(page)).toContainText('open, subprotocol binary')

  await sendLine(page, 'hello')
  await expect(log(page)).toContainText('message "hello from the server\\n"')

  // Markup from the server stays text: no element is created from it.
  await sendLine(page, "<img src=x onerror='document.title=1'>")
  await expect(log(page)).toContainText(
    `message "<img src=x onerror='document.title=1'> from the server\\n"`,
  )
  await expect(page.locator('img')).toHaveCount(0)
})

test('the echo server stopping closes with 1000', async ({ page }) => {
  const echo = await startEcho()
  const relay = await startRelay(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
  await page.goto(`http://127.0.0.1:${relay.port}/`)
  await expect(log(page)).toContainText('open, subprotocol binary')
  await echo.stop()
  await expect(log(page)).toContainText('close 1000')
})

test('a dead target port closes with 4000 and a reason naming it', async ({
  page,
}) => {
  const relay = await startRelay(['127.0.0.1:0', DEAD_TARGET])
  await page.goto(`http://127.0.0.1:${relay.port}/`)
  await expect(log(page)).toContainText(
    /^open, subprotocol binary\nclose 4000 Cannot reach TCP target 127\.0\.0\.1:9 \(ECONNREFUSED\)/,
  )
})

/** Chapter 4's second relay: one route to the echo server, no default target. */
async function startRoutedRelay() {
  const echo = await startEcho()
  const relay = await startRelay([
    '--route',
    `echo=127.0.0.1:${echo.port}`,
    '127.0.0.1:0',
  ])
  return { echo, relay }
}

test('through a route, the page talks to the echo server', async ({ page }) => {
  const { relay } = await startRoutedRelay()
  await page.goto(
    `http://127.0.0.1:${relay.port}/?relay=ws://127.0.0.1:${relay.port}/echo`,
  )
  await expect(log(page)).toContainText('open, subprotocol binary')
  await sendLine(page, 'hello')
  await expect(log(page)).toContainText('message "hello from the server\\n"')
})

test('a target the relay does not allow closes with 4102', async ({ page }) => {
  const { echo, relay } = await startRoutedRelay()
  await page.goto(
    `http://127.0.0.1:${relay.port}/?target=127.0.0.1:${echo.port}`,
  )
  await expect(log(page)).toContainText('open, subprotocol wsrelay.v1')
  await expect(log(page)).toContainText('close 4102')
})

test('the page opened as localhost is another origin: 4103', async ({
  page,
}) => {
  const { relay } = await startRoutedRelay()
  await page.goto(
    `http://localhost:${relay.port}/?relay=ws://127.0.0.1:${relay.port}/echo`,
  )
  await expect(log(page)).toContainText(
    `close 4103 Origin http://localhost:${relay.port} is not allowed`,
  )
  await expect(log(page)).toContainText('--allow-origin')
})

test('an HTTP refusal (unsupported subprotocol, 400) reaches the page as error, then 1006 with no reason', async ({
  page,
}) => {
  const { relay } = await startRoutedRelay()
  await page.goto(
    `http://127.0.0.1:${relay.port}/?relay=ws://127.0.0.1:${relay.port}/echo&protocol=chat`,
  )
  await expect(log(page)).toHaveText(
    'error (the close event says why)\nclose 1006 \n',
  )
})

test('the echo server stopping behind a route closes with 1000, and a reload with 4000', async ({
  page,
}) => {
  const { echo, relay } = await startRoutedRelay()
  await page.goto(
    `http://127.0.0.1:${relay.port}/?relay=ws://127.0.0.1:${relay.port}/echo`,
  )
  await expect(log(page)).toContainText('open, subprotocol binary')
  await echo.stop()
  await expect(log(page)).toContainText('close 1000')
  await page.reload()
  await expect(log(page)).toContainText(
    `close 4000 Cannot reach TCP target 127.0.0.1:${echo.port} (ECONNREFUSED)`,
  )
})

test('the relay shutting down closes with 1001', async ({ page }) => {
  const echo = await startEcho()
  const relay = await startRelay(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
  await page.goto(`http://127.0.0.1:${relay.port}/`)
  await expect(log(page)).toContainText('open, subprotocol binary')
  await relay.stop()
  await expect(log(page)).toContainText('close 1001')
})

test('a page from a foreign origin closes with 4103', async ({ page }) => {
  const echo = await startEcho()
  const relay = await startRelay(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
  const other = await startRelay(['127.0.0.1:0', DEAD_TARGET])
  await page.goto(
    `http://127.0.0.1:${other.port}/?relay=ws://127.0.0.1:${relay.port}/`,
  )
  await expect(log(page)).toContainText(/close 4103 .*--allow-origin/)
})

test("chapter 5: the page API's rules, as Chromium applies them", async ({
  page,
}) => {
  const echo = await startEcho()
  const relay = await startRelay(
    ['127.0.0.1:0', `127.0.0.1:${echo.port}`],
    API_PAGE_DIR,
  )
  await page.goto(`http://127.0.0.1:${relay.port}/`)
  // The chapter shows this log; `…` there stands for the milliseconds.
  const shown = chapterLog('05-the-page-api.md')
  const pattern = shown
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\d+')
  await expect(log(page)).toHaveText(new RegExp(`^${pattern}\\n$`), {
    timeout: 20_000,
  })
})

test('chapter 8: the console talks to the C++ server through the relay', async ({
  page,
}) => {
  test.skip(
    lacks(['g++', 'make']),
    'chapter 8 builds the server with make and g++',
  )
  const dir = `${ROOT}examples/cpp-echo-server`
  execFileSync('make', ['-C', dir], { stdio: 'pipe' })
  const cpp = await start(['0'], `${dir}/echo_server`)
  const relay = await startRelay(
    ['127.0.0.1:0', `127.0.0.1:${cpp.port}`],
    `${ROOT}apps/console/dist`,
  )
  await page.goto(`http://127.0.0.1:${relay.port}/`)
  await expect(
    page.getByRole('status', { name: 'Connection status' }),
  ).toHaveText('Connected')
  await page.getByLabel('Message').fill('hello from C++ land')
  await page.getByLabel('Message').press('Enter')
  await expect(
    page
      .getByRole('log', { name: 'Log' })
      .getByText('<<< hello from C++ land from the server', { exact: true }),
  ).toBeVisible()
})
