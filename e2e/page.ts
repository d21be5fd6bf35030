import { expect, type Page, type TestInfo } from '@playwright/test'
import { copyFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** Light theme: sent red, received blue (the colours the README promises). */
export const LIGHT = { sent: 'rgb(198, 40, 40)', received: 'rgb(21, 101, 192)' }
/** Dark theme: the same hues, light enough to read on a dark background. */
export const DARK = {
  sent: 'rgb(239, 154, 154)',
  received: 'rgb(144, 202, 249)',
}

export const log = (page: Page) => page.getByRole('log', { name: 'Log' })
export const status = (page: Page) =>
  page.getByRole('status', { name: 'Connection status' })
/** One log line (marker and text, without its time). */
export const logLine = (page: Page, text: string | RegExp) =>
  log(page)
    .locator('.line')
    .getByText(text, { exact: typeof text === 'string' })

export async function sendLine(page: Page, text: string) {
  const input = page.getByLabel('Message')
  await input.fill(text)
  await input.press('Enter')
}

/** The README's first minute: hello typed, a red `>>> hello`, then a blue `<<< hello from the server`. */
export async function expectHelloRoundTrip(page: Page) {
  await sendLine(page, 'hello')
  await expect(logLine(page, '>>> hello')).toHaveCSS('color', LIGHT.sent)
  await expect(logLine(page, '<<< hello from the server')).toHaveCSS(
    'color',
    LIGHT.received,
  )
}

export async function openConsole(page: Page, url = '/') {
  await page.goto(url)
  await expect(status(page)).toHaveText('Connected')
}

/** Pastes `text` into the message box as a user would (a paste event with clipboard data). */
export async function paste(page: Page, text: string) {
  await page.getByLabel('Message').evaluate((input, pasted) => {
    const data = new DataTransfer()
    data.setData('text/plain', pasted)
    input.dispatchEvent(
      new ClipboardEvent('paste', {
        clipboardData: data,
        bubbles: true,
        cancelable: true,
      }),
    )
  }, text)
}

const SCREENSHOTS = fileURLToPath(
  new URL('../test-results/screenshots/', import.meta.url),
)

/**
 * Saves a screenshot as a test artifact (attached to the report) and under
 * test-results/screenshots/NAME.png, where the README's copies come from.
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  await testInfo.attach(name, { path: file, contentType: 'image/png' })
  await mkdir(SCREENSHOTS, { recursive: true })
  await copyFile(file, `${SCREENSHOTS}${name}.png`)
}

/** The four looks the README promises: 375 px and desktop, light and dark. */
const LOOKS = [
  { suffix: 'narrow-light', width: 375, height: 740, colorScheme: 'light' },
  { suffix: 'narrow-dark', width: 375, height: 740, colorScheme: 'dark' },
  { suffix: 'desktop-light', width: 1280, height: 800, colorScheme: 'light' },
  { suffix: 'desktop-dark', width: 1280, height: 800, colorScheme: 'dark' },
] as const

/** Screenshots of the page as it is now, in each of the four looks (NAME-narrow-light.png, …). */
export async function screenshotEveryLook(
  page: Page,
  testInfo: TestInfo,
  name: string,
) {
  const viewport = page.viewportSize()
  for (const look of LOOKS) {
    await page.setViewportSize({ width: look.width, height: look.height })
    await page.emulateMedia({ colorScheme: look.colorScheme })
    await screenshot(page, testInfo, `${name}-${look.suffix}`)
  }
  if (viewport) await page.setViewportSize(viewport)
  await page.emulateMedia({ colorScheme: null })
}
