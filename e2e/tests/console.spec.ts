import { expect, test } from '@playwright/test'
import { PORTS } from '../ports.js'
import {
  LIGHT,
  log,
  logLine,
  openConsole,
  paste,
  screenshot,
  screenshotEveryLook,
  sendLine,
  status,
} from '../page.js'

const RED = LIGHT.sent
const BLUE = LIGHT.received

test('a typed line shows red, then the echo shows blue', async ({ page }) => {
  await openConsole(page)
  await sendLine(page, 'hello')

  const sent = logLine(page, '>>> hello')
  const received = logLine(page, '<<< hello from the server')
  await expect(sent).toBeVisible()
  await expect(received).toBeVisible()
  await expect(sent).toHaveCSS('color', RED)
  await expect(received).toHaveCSS('color', BLUE)

  // Red comes first, blue after it.
  const lines = await log(page).locator('.line').allInnerTexts()
  expect(lines.indexOf('>>> hello')).toBeLessThan(
    lines.indexOf('<<< hello from the server'),
  )
  await expect(page.getByLabel('Message')).toHaveValue('')
  // Every line carries its time.
  await expect(log(page).getByRole('listitem').last()).toContainText(
    /^\d\d:\d\d:\d\d\.\d{3}/,
  )
})

test('multi-byte UTF-8 survives the round trip', async ({ page }) => {
  await openConsole(page)
  const text = 'héllo wörld — ✓ 日本語 😀 Ωμέγα'
  await sendLine(page, text)
  await expect(logLine(page, `<<< ${text} from the server`)).toBeVisible()
})

test('when the target is down: one error line with the meaning and hint, counted as retries fail; with Auto-reconnect off the code stays', async ({
  page,
}, testInfo) => {
  await page.goto(`http://127.0.0.1:${PORTS.relayToDeadTarget}/`)
  const error = logLine(
    page,
    `!!! Closed 4000 TARGET_REFUSED: Cannot reach TCP target 127.0.0.1:${PORTS.deadTarget} (ECONNREFUSED). ` +
      'Is the TCP server running and listening on that host and port? Reconnecting…',
  )
  await expect(error).toBeVisible()
  // Styled as an error, not grey like ordinary events.
  await expect(error.locator('..')).toHaveCSS('border-left-style', 'solid')
  await expect(error).toHaveCSS('color', 'rgb(138, 28, 0)')
  await expect(status(page)).toHaveText(/^Reconnecting in \d+ s$/)
  await expect(
    page.getByText(
      'TARGET_REFUSED (4000): The TCP server refused the connection. Is the TCP server running and listening on that host and port?',
    ),
  ).toBeVisible()
  await expect(page.getByRole('button', { name: 'Retry now' })).toBeVisible()
  // Each failed retry is counted on the same line, not added as another.
  await expect(log(page).getByLabel(/^[2-9] times$/)).toBeVisible()
  await expect(log(page).locator('.entry-error')).toHaveCount(1)
  await screenshot(page, testInfo, 'console-repeated-failures')
  await screenshotEveryLook(page, testInfo, 'status-repeated-failures')

  await page.getByLabel('Auto-reconnect').uncheck()
  await expect(status(page)).toHaveText('Closed: TARGET_REFUSED (4000)')
  await expect(
    page.getByText(
      'The TCP server refused the connection. Is the TCP server running and listening on that host and port?',
    ),
  ).toBeVisible()
  await expect(page.getByRole('button', { name: 'Retry now' })).toBeHidden()
  await page.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(status(page)).toHaveText('Closed: TARGET_REFUSED (4000)')
  await expect(page.getByLabel('Message')).toBeDisabled()
  await screenshot(page, testInfo, 'console-error')
  await screenshotEveryLook(page, testInfo, 'status-refused-no-reconnect')
})

test('disconnect, then reconnect, and the echo works again', async ({
  page,
}) => {
  await openConsole(page)
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await expect(status(page)).toHaveText('Disconnected')
  await expect(logLine(page, /^--- Closed 1000 NORMAL_CLOSURE/)).toBeVisible()
  await expect(page.getByLabel('Message')).toBeDisabled()

  await page.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(status(page)).toHaveText('Connected')
  // Focus is back in the message box: type straight away.
  await expect(page.getByLabel('Message')).toBeFocused()
  await page.keyboard.type('again')
  await page.keyboard.press('Enter')
  await expect(logLine(page, '<<< again from the server')).toBeVisible()
})

test('hex: bytes typed as hex are sent, and replies can be shown as hex', async ({
  page,
}) => {
  await openConsole(page)
  await page.getByLabel('Send hex').check()
  await page.getByLabel('Show received as hex').check()
  await sendLine(page, '68 69 0a') // "hi\n"
  await expect(logLine(page, '>>> 68 69 0a')).toBeVisible()
  // "hi from the server\n"
  const hex = [...Buffer.from('hi from the server\n')]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(' ')
  await expect(logLine(page, `<<< ${hex}`)).toBeVisible()
})

test('received data is shown as text, never rendered as HTML', async ({
  page,
}) => {
  await openConsole(page)
  await sendLine(
    page,
    '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>',
  )
  await expect(
    logLine(
      page,
      `<<< <img src=x onerror="document.title='pwned'"><b>bold</b> from the server`,
    ),
  ).toBeVisible()
  await expect(log(page).locator('img, b')).toHaveCount(0)
  await expect(page).not.toHaveTitle('pwned')
})

test('the Vite dev server (pnpm dev) proxies the console to the relay', async ({
  page,
}) => {
  await openConsole(page, `http://127.0.0.1:${PORTS.viteDev}/`)
  await sendLine(page, 'through vite')
  await expect(logLine(page, '<<< through vite from the server')).toBeVisible()
})

test('hex: every byte 0x00-0xFF goes out and comes back exactly', async ({
  page,
}) => {
  await openConsole(page, `http://127.0.0.1:${PORTS.rawRelay}/`)
  await page.getByLabel('Send hex').check()
  await page.getByLabel('Show received as hex').check()
  const all = Array.from({ length: 256 }, (_, b) =>
    b.toString(16).padStart(2, '0'),
  ).join(' ')
  await sendLine(page, all)
  await expect(logLine(page, `>>> ${all}`)).toBeVisible()
  // TCP may return the bytes in several reads: one hex line per read.
  await expect
    .poll(async () =>
      (await log(page).locator('.entry-received .line').allInnerTexts())
        .map((line) => line.replace(/^<<< /, ''))
        .join(' '),
    )
    .toBe(all)
  await expect(page.getByLabel('Traffic')).toContainText('Sent 256 B')
  await expect(page.getByLabel('Traffic')).toContainText('Received 256 B')
})

test('a multi-line paste is sent as lines, each shown red, each echoed', async ({
  page,
}) => {
  await openConsole(page)
  await paste(page, 'first\r\nsecond\nthird\n')
  for (const word of ['first', 'second', 'third']) {
    await expect(logLine(page, `>>> ${word}`)).toHaveCSS('color', RED)
    await expect(logLine(page, `<<< ${word} from the server`)).toBeVisible()
  }
  await expect(page.getByLabel('Message')).toHaveValue('')
})

test('line ending CRLF and none, and the arrow keys recall sent lines', async ({
  page,
}) => {
  await openConsole(page, `http://127.0.0.1:${PORTS.rawRelay}/`)
  await page.getByLabel('Show received as hex').check()
  await page.getByLabel('Line ending').selectOption('crlf')
  await sendLine(page, 'a')
  await expect(logLine(page, '<<< 61 0d 0a')).toBeVisible()
  await page.getByLabel('Line ending').selectOption('none')
  await sendLine(page, 'b')
  await expect(logLine(page, '<<< 62')).toBeVisible()

  const input = page.getByLabel('Message')
  await input.press('ArrowUp')
  await expect(input).toHaveValue('b')
  await input.press('ArrowUp')
  await expect(input).toHaveValue('a')
  await input.press('ArrowDown')
  await expect(input).toHaveValue('b')
  await input.press('ArrowDown')
  await expect(input).toHaveValue('')
})

test('clear, copy and download the log', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await openConsole(page)
  await sendLine(page, 'keep me')
  await expect(logLine(page, '<<< keep me from the server')).toBeVisible()

  await page.getByRole('button', { name: 'Copy' }).click()
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  expect(copied).toMatch(/^\d\d:\d\d:\d\d\.\d{3} >>> keep me$/m)
  expect(copied).toMatch(/<<< keep me from the server$/m)

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Download' }).click()
  const file = await (await download).path()
  const { readFile } = await import('node:fs/promises')
  expect(await readFile(file, 'utf8')).toContain('>>> keep me\n')

  await page.getByRole('button', { name: 'Clear' }).click()
  await expect(log(page).getByRole('listitem')).toHaveCount(0)
  await expect(page.getByLabel('Traffic')).toContainText('Sent 0 B')
})
