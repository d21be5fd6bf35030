import { expect, test } from '@playwright/test'
import { PORTS } from '../ports.js'
import {
  log,
  logLine,
  openConsole,
  screenshot,
  sendLine,
  status,
} from '../page.js'
import { startEcho, startRelay, type SpecProcess } from '../processes.js'

// These specs stop servers: each starts its own, never the shared ones.
const started: SpecProcess[] = []
test.afterEach(async () => {
  for (const server of started.splice(0)) await server.kill()
})

test('when the echo server stops mid-session, the status says so at once and sending stops', async ({
  page,
}, testInfo) => {
  const echo = await startEcho(PORTS.stoppableEcho, ' from the server')
  started.push(echo)
  started.push(await startRelay(PORTS.stoppableEchoRelay, PORTS.stoppableEcho))

  await openConsole(page, `http://127.0.0.1:${PORTS.stoppableEchoRelay}/`)
  await sendLine(page, 'before')
  await expect(logLine(page, '<<< before from the server')).toBeVisible()

  // SIGTERM: the echo server ends its connections (FIN) and exits.
  const stoppedAt = Date.now()
  await echo.kill('SIGTERM')
  await expect(status(page)).toHaveText('Target ended', { timeout: 3000 })
  const noticedMs = Date.now() - stoppedAt
  testInfo.annotations.push({
    type: 'target-ended',
    description: `status changed ${noticedMs} ms after the echo server was stopped`,
  })
  console.log(testInfo.annotations.at(-1)?.description)
  await expect(
    logLine(page, /^!!! The target ended its side \(FIN\)/),
  ).toBeVisible()
  await expect(page.getByLabel('Message')).toBeDisabled()
  await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled()
  await expect(
    page.getByRole('button', { name: 'Connect', exact: true }),
  ).toBeEnabled()
  // No reconnect loop: the session ended, it did not fail.
  await expect(logLine(page, /^--- Closed 1000 NORMAL_CLOSURE/)).toBeVisible()
  await expect(status(page)).toHaveText('Target ended')
  await screenshot(page, testInfo, 'console-target-ended')

  // The server is back: Connect starts a new session.
  started.push(await startEcho(PORTS.stoppableEcho, ' from the server'))
  await page.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(status(page)).toHaveText('Connected')
  await sendLine(page, 'after')
  await expect(logLine(page, '<<< after from the server')).toBeVisible()
})

test('reconnects by itself after the relay is killed and started again, waiting while offline', async ({
  page,
}, testInfo) => {
  let relay = await startRelay(PORTS.restartedRelay, PORTS.echo)
  started.push(relay)
  await openConsole(page, `http://127.0.0.1:${PORTS.restartedRelay}/`)
  await sendLine(page, 'first session')
  await expect(logLine(page, '<<< first session from the server')).toBeVisible()

  await relay.kill('SIGKILL')
  // The session dropped; then, while no relay answers, the console waits for it.
  await expect(status(page)).toHaveText(
    /^(Reconnecting in \d+ s|Waiting for the relay)$/,
  )
  await expect(
    logLine(page, /^!!! Closed 1006 ABNORMAL_CLOSURE/).first(),
  ).toBeVisible()
  await expect(status(page)).toHaveText('Waiting for the relay')
  await expect(
    page.getByText(
      `Waiting for the relay at ws://127.0.0.1:${PORTS.restartedRelay}/relay to start; trying again in`,
    ),
  ).toBeVisible()
  await expect(log(page).locator('.entry-error')).toHaveCount(1)
  await expect(page.getByLabel('Message')).toBeDisabled()
  await screenshot(page, testInfo, 'console-reconnecting')

  // Offline (navigator.onLine false): no attempts, and the status says why.
  await page.context().setOffline(true)
  await expect(status(page)).toHaveText('Offline: waiting for the network')
  relay = await startRelay(PORTS.restartedRelay, PORTS.echo)
  started.push(relay)
  // Back online: the next attempt starts at once, on the same port.
  await page.context().setOffline(false)
  await expect(status(page)).toHaveText('Connected')
  await expect(
    logLine(
      page,
      `--- Connected to the default target of ws://127.0.0.1:${PORTS.restartedRelay}/relay (a new session: the server sees a new connection)`,
    ),
  ).toBeVisible()
  await sendLine(page, 'second session')
  await expect(
    logLine(page, '<<< second session from the server'),
  ).toBeVisible()
})

test('10,000 lines arrive at once while the page stays responsive', async ({
  page,
}, testInfo) => {
  test.setTimeout(60_000)
  await openConsole(page)
  const LINES = 10_000
  // One message holding 10,000 lines (sent as hex, so the newlines go out as
  // they are): the line echo answers with a burst of 10,000 lines.
  const burst = Buffer.from(
    Array.from({ length: LINES }, (_, i) => `line ${i}\n`).join(''),
  )
  await page.getByLabel('Send hex').check()
  await page.getByLabel('Message').fill(burst.toString('hex'))

  // Longest gap between timer ticks while the burst is handled: a frozen page shows a long gap.
  await page.evaluate(() => {
    const probe = { last: performance.now(), maxGapMs: 0 }
    ;(window as unknown as { probe: typeof probe }).probe = probe
    const tick = () => {
      const now = performance.now()
      probe.maxGapMs = Math.max(probe.maxGapMs, now - probe.last)
      probe.last = now
      setTimeout(tick, 10)
    }
    setTimeout(tick, 10)
  })
  const started = Date.now()
  await page.getByLabel('Message').press('Enter')
  await expect(
    logLine(page, `<<< line ${LINES - 1} from the server`),
  ).toBeVisible({ timeout: 30_000 })
  const elapsedMs = Date.now() - started
  const maxGapMs = await page.evaluate(
    () => (window as unknown as { probe: { maxGapMs: number } }).probe.maxGapMs,
  )
  // Still responsive: typing shows at once.
  await page.getByLabel('Send hex').uncheck()
  await page.getByLabel('Message').fill('still here')
  await expect(page.getByLabel('Message')).toHaveValue('still here')
  const figures = `${LINES} lines (${burst.length} bytes) echoed and shown in ${elapsedMs} ms; longest main-thread gap ${Math.round(maxGapMs)} ms`
  testInfo.annotations.push({ type: 'burst', description: figures })
  console.log(figures)
  // Generous: this runs on shared CI machines; rendering every line in one
  // task (or one render per line) freezes the page for many seconds here.
  expect(maxGapMs).toBeLessThan(2000)
  await expect(page.getByRole('note')).toContainText(
    /^Showing the newest 2,000 lines; [\d,]+ older lines were dropped\.$/,
  )
  // Only the tail is rendered while following; the rest is one scroll away.
  await expect(log(page).locator('.line')).toHaveCount(80)
  await expect(
    log(page).getByText('1,920 earlier lines: scroll up to read them'),
  ).toBeVisible()
  await expect(page.getByLabel('Traffic')).toContainText(
    `Received ${Math.round((burst.length + LINES * ' from the server'.length) / 1024)} KiB`,
  )
})

test('keyboard only: send, recall, disconnect and connect again', async ({
  page,
}) => {
  await openConsole(page)
  const message = page.getByLabel('Message')
  await expect(message).toBeFocused()
  await page.keyboard.type('typed only')
  await page.keyboard.press('Enter')
  await expect(logLine(page, '<<< typed only from the server')).toBeVisible()
  await page.keyboard.press('ArrowUp')
  await expect(message).toHaveValue('typed only')
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')

  // Shift+Tab back to Disconnect (a bounded walk; no mouse).
  const disconnect = page.getByRole('button', { name: 'Disconnect' })
  for (let i = 0; i < 20; i++) {
    if (await disconnect.evaluate((el) => el === document.activeElement)) break
    await page.keyboard.press('Shift+Tab')
  }
  await expect(disconnect).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(status(page)).toHaveText('Disconnected')

  const connect = page.getByRole('button', { name: 'Connect', exact: true })
  for (let i = 0; i < 20; i++) {
    if (await connect.evaluate((el) => el === document.activeElement)) break
    await page.keyboard.press('Shift+Tab')
  }
  await expect(connect).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(status(page)).toHaveText('Connected')
  await expect(message).toBeFocused()
  await page.keyboard.type('back again')
  await page.keyboard.press('Enter')
  await expect(logLine(page, '<<< back again from the server')).toBeVisible()
})
