import { expect, test, type Page } from '@playwright/test'
import { PORTS } from '../ports.js'
import {
  DARK,
  LIGHT,
  logLine,
  openConsole,
  screenshot,
  sendLine,
} from '../page.js'

/** Every control a user needs, by role and name. */
const CONTROLS = [
  ['textbox', 'Relay URL'],
  ['combobox', 'Target'],
  ['button', 'Connect'],
  ['button', 'Disconnect'],
  ['checkbox', 'Auto-reconnect'],
  ['button', 'Clear'],
  ['button', 'Copy'],
  ['button', 'Download'],
  ['textbox', 'Message'],
  ['button', 'Send'],
  ['combobox', 'Line ending'],
  ['checkbox', 'Send hex'],
  ['checkbox', 'Show received as hex'],
  ['button', 'Ping'],
  ['button', 'End input'],
] as const

async function expectNoSidewaysScroll(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }))
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth)
}

/** Visible and inside the viewport's width (reachable by vertical scrolling only). */
async function expectAllControlsOnScreen(page: Page, width: number) {
  for (const [role, name] of CONTROLS) {
    const control = page.getByRole(role, { name, exact: true })
    await control.scrollIntoViewIfNeeded()
    await expect(control, `${role} ${name}`).toBeVisible()
    const box = await control.boundingBox()
    expect(box, `${role} ${name}`).not.toBeNull()
    expect(box!.x, `${role} ${name} left edge`).toBeGreaterThanOrEqual(0)
    expect(
      box!.x + box!.width,
      `${role} ${name} right edge`,
    ).toBeLessThanOrEqual(width)
  }
}

test.describe('at 375 px wide', () => {
  test.use({ viewport: { width: 375, height: 740 } })

  test('nothing scrolls sideways and every control is on screen', async ({
    page,
  }, testInfo) => {
    await openConsole(page)
    await sendLine(page, 'narrow screens work too')
    await expect(
      logLine(page, '<<< narrow screens work too from the server'),
    ).toBeVisible()
    await expectNoSidewaysScroll(page)
    await expectAllControlsOnScreen(page, 375)
    await screenshot(page, testInfo, 'console-narrow')
  })

  test('with "Custom host:port" picked, Host and Port fit too', async ({
    page,
  }) => {
    await page.goto(`http://127.0.0.1:${PORTS.routedRelay}/`)
    await page.getByLabel('Target').selectOption({ label: 'Custom host:port…' })
    await expectNoSidewaysScroll(page)
    for (const name of ['Host', 'Port']) {
      const box = await page.getByLabel(name, { exact: true }).boundingBox()
      expect(box!.x + box!.width, name).toBeLessThanOrEqual(375)
    }
    await expectAllControlsOnScreen(page, 375)
  })
})

test('on a desktop: connected with traffic each way', async ({
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await openConsole(page)
  for (const line of ['hello', 'héllo wörld ✓', 'GET / HTTP/1.0']) {
    await sendLine(page, line)
    await expect(logLine(page, `<<< ${line} from the server`)).toBeVisible()
  }
  await page.getByRole('button', { name: 'Ping' }).click()
  await expect(page.getByLabel('Traffic')).toContainText(/RTT \d+ ms/)
  await expect(page.getByLabel('Traffic')).toContainText(/Sent \d+ B/)
  await expect(page.getByLabel('Traffic')).toContainText(/Received \d+ B/)
  await expectNoSidewaysScroll(page)
  await screenshot(page, testInfo, 'console-connected')
})

test.describe('with the system in dark mode', () => {
  test.use({ colorScheme: 'dark' })

  test('the page is dark, and sent/received keep their hues, readable', async ({
    page,
  }, testInfo) => {
    await openConsole(page)
    await sendLine(page, 'in the dark')
    const sent = logLine(page, '>>> in the dark')
    const received = logLine(page, '<<< in the dark from the server')
    await expect(sent).toHaveCSS('color', DARK.sent)
    await expect(received).toHaveCSS('color', DARK.received)
    await expect(page.locator('html')).toHaveCSS(
      'background-color',
      'rgb(18, 20, 23)',
    )
    await expect(page.getByRole('log', { name: 'Log' })).toHaveCSS(
      'background-color',
      'rgb(27, 30, 34)',
    )
    await screenshot(page, testInfo, 'console-dark')
  })
})

test('in light mode the page is light', async ({ page }) => {
  await openConsole(page)
  await sendLine(page, 'in the light')
  await expect(logLine(page, '>>> in the light')).toHaveCSS('color', LIGHT.sent)
  await expect(page.locator('html')).toHaveCSS(
    'background-color',
    'rgb(250, 250, 250)',
  )
})
