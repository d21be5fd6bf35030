import { expect, test, type Page } from '@playwright/test'
import { PORTS } from '../ports.js'
import {
  LIGHT,
  log,
  logLine,
  openConsole,
  screenshotEveryLook,
  sendLine,
  status,
} from '../page.js'

/** The detail sentence under the status pill. */
const detail = (page: Page) => page.locator('.status-detail')

test('a relay that never answered: the console waits for it quietly, never says a session dropped', async ({
  page,
}, testInfo) => {
  const nowhere = `ws://127.0.0.1:${PORTS.deadTarget}/relay`
  await page.goto(`http://127.0.0.1:${PORTS.relay}/?url=${nowhere}`)
  await expect(status(page)).toHaveText('Waiting for the relay')
  await expect(detail(page)).toHaveText(
    new RegExp(
      `^Waiting for the relay at ${nowhere} to start; trying (now|again in \\d+ s)\\.$`,
    ),
  )
  const waiting = logLine(
    page,
    `--- No relay answers at ${nowhere} yet: waiting for it to start, and retrying.`,
  )
  await expect(waiting).toBeVisible()
  // Retries are counted on that one line; nothing is shown as a failure.
  await expect(log(page).getByLabel(/^[2-9] times$/)).toBeVisible()
  await expect(log(page).locator('.entry-error')).toHaveCount(0)
  await expect(page.getByText(/dropped/)).toHaveCount(0)
  await expect(status(page)).not.toHaveCSS(
    'background-color',
    'rgb(255, 240, 230)',
  )
  await screenshotEveryLook(page, testInfo, 'status-never-connected')
})

test('End input is a requested end: every line about it is neutral, and the session ends complete', async ({
  page,
}, testInfo) => {
  await openConsole(page)
  await sendLine(page, 'last words')
  await expect(logLine(page, '<<< last words from the server')).toBeVisible()
  await page.getByRole('button', { name: 'End input' }).click()
  await expect(
    logLine(
      page,
      '--- Sent end: no more data from this side (FIN to the target).',
    ),
  ).toBeVisible()
  // The echo server answers our FIN with its own; the relay closes with 1000.
  await expect(
    logLine(
      page,
      '--- The target ended its side too (FIN): both sides are done.',
    ),
  ).toBeVisible()
  await expect(
    logLine(page, /^--- Closed 1000 NORMAL_CLOSURE: Both sides ended\./),
  ).toBeVisible()
  await expect(status(page)).toHaveText('Session ended')
  await expect(detail(page)).toHaveText(
    'You ended your side, then the server ended its own: the session is complete. Press Connect to start a new one.',
  )
  await expect(log(page).locator('.entry-error')).toHaveCount(0)
  await expect(status(page)).toHaveCSS('background-color', 'rgb(224, 224, 224)')
  await expect(page.getByLabel('Message')).toBeDisabled()
  await screenshotEveryLook(page, testInfo, 'status-end-input')
})

test('invisible characters are shown as escapes: a right-to-left override cannot turn "evil" into "live"', async ({
  page,
}, testInfo) => {
  await openConsole(page)
  await sendLine(page, '\u202Eevil')
  await sendLine(page, '\u0301 combining at the start')
  const evil = logLine(page, '<<< \\u202Eevil from the server')
  await expect(evil).toBeVisible()
  await expect(evil.locator('.escape')).toHaveText('\\u202E')
  await expect(evil).toHaveCSS('color', LIGHT.received)
  await expect(
    logLine(page, '<<< \\u0301 combining at the start from the server'),
  ).toBeVisible()
  // "evil" is laid out left to right: the e comes before the l.
  const [e, l] = await evil.evaluate((line) => {
    const text = line.querySelector('bdi')?.lastChild
    const range = document.createRange()
    const x = (at: number) => {
      range.setStart(text as Node, at)
      range.setEnd(text as Node, at + 1)
      return range.getBoundingClientRect().x
    }
    return [x(0), x(3)]
  })
  expect(e).toBeLessThan(l)
  await screenshotEveryLook(page, testInfo, 'status-bidi')
})

test('autoscroll follows the newest line through a resize, unless the reader scrolled up', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await openConsole(page)
  await page.getByLabel('Send hex').check()
  const lines = Array.from({ length: 60 }, (_, i) => `line ${i}\n`).join('')
  await sendLine(page, Buffer.from(lines).toString('hex'))
  await expect(logLine(page, '<<< line 59 from the server')).toBeInViewport()

  await page.setViewportSize({ width: 375, height: 740 })
  await page.getByLabel('Send hex').uncheck()
  await sendLine(page, 'after the resize')
  await expect(
    logLine(page, '<<< after the resize from the server'),
  ).toBeInViewport()
  await expect(
    page.getByRole('button', { name: /Autoscroll paused/ }),
  ).toHaveCount(0)

  // Reading back holds the view, also through a resize.
  await log(page).hover()
  await page.mouse.wheel(0, -600)
  const jump = page.getByRole('button', { name: /Autoscroll paused/ })
  await expect(jump).toBeVisible()
  await page.setViewportSize({ width: 1280, height: 800 })
  await sendLine(page, 'while reading')
  await expect(jump).toHaveText(/\(\d+ new\)/)
  await jump.click()
  await expect(
    logLine(page, '<<< while reading from the server'),
  ).toBeInViewport()
})

for (const width of [1280, 375]) {
  test(`at ${width} px the log does not move when the detail line or Retry now appears`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: 800 })
    const top = async () => (await log(page).boundingBox())?.y
    await openConsole(page)
    const connected = await top()
    await page.getByRole('button', { name: 'Disconnect' }).click()
    await expect(status(page)).toHaveText('Disconnected')
    expect(await top()).toBe(connected)

    await page.goto(`http://127.0.0.1:${PORTS.relayToDeadTarget}/`)
    await expect(status(page)).toHaveText(/^Reconnecting in \d+ s$/)
    await expect(page.getByRole('button', { name: 'Retry now' })).toBeVisible()
    expect(await top()).toBe(connected)
    await page.getByLabel('Auto-reconnect').uncheck()
    await expect(status(page)).toHaveText('Closed: TARGET_REFUSED (4000)')
    expect(await top()).toBe(connected)
  })
}
