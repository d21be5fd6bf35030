import { expect, test, type Page } from '@playwright/test'
import { PORTS } from '../ports.js'

const RED = 'rgb(198, 40, 40)'
const BLUE = 'rgb(21, 101, 192)'

const log = (page: Page) => page.getByRole('log', { name: 'Log' })
const status = (page: Page) =>
  page.getByRole('status', { name: 'Connection status' })

async function sendLine(page: Page, text: string) {
  const input = page.getByLabel('Message')
  await input.fill(text)
  await input.press('Enter')
}

async function openConsole(page: Page, url = '/') {
  await page.goto(url)
  await expect(status(page)).toHaveText('Connected')
}

test('a typed line shows red, then the echo shows blue', async ({ page }) => {
  await openConsole(page)
  await sendLine(page, 'hello')

  const sent = log(page).getByText('>>> hello', { exact: true })
  const received = log(page).getByText('<<< hello from the server', {
    exact: true,
  })
  await expect(sent).toBeVisible()
  await expect(received).toBeVisible()
  await expect(sent).toHaveCSS('color', RED)
  await expect(received).toHaveCSS('color', BLUE)

  // Red comes first, blue after it.
  const lines = await log(page).getByRole('listitem').allInnerTexts()
  expect(lines.indexOf('>>> hello')).toBeLessThan(
    lines.indexOf('<<< hello from the server'),
  )
  await expect(page.getByLabel('Message')).toHaveValue('')
})

test('multi-byte UTF-8 survives the round trip', async ({ page }) => {
  await openConsole(page)
  const text = 'héllo wörld — ✓ 日本語 😀 Ωμέγα'
  await sendLine(page, text)
  await expect(
    log(page).getByText(`<<< ${text} from the server`, { exact: true }),
  ).toBeVisible()
})

test('when the target is down the console shows the close reason', async ({
  page,
}) => {
  await page.goto(`http://127.0.0.1:${PORTS.relayToDeadTarget}/`)
  await expect(
    log(page).getByText(
      `--- Closed 4000 TARGET_REFUSED: Cannot reach TCP target 127.0.0.1:${PORTS.deadTarget} (ECONNREFUSED). ` +
        'Is the TCP server running and listening on that host and port?',
      { exact: true },
    ),
  ).toBeVisible()
  await expect(status(page)).toHaveText('Disconnected')
  await expect(page.getByLabel('Message')).toBeDisabled()
})

test('disconnect, then reconnect, and the echo works again', async ({
  page,
}) => {
  await openConsole(page)
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await expect(status(page)).toHaveText('Disconnected')
  await expect(
    log(page).getByText(/^--- Closed 1000 NORMAL_CLOSURE/),
  ).toBeVisible()
  await expect(page.getByLabel('Message')).toBeDisabled()

  await page.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(status(page)).toHaveText('Connected')
  await sendLine(page, 'again')
  await expect(
    log(page).getByText('<<< again from the server', { exact: true }),
  ).toBeVisible()
})

test('hex: bytes typed as hex are sent, and replies can be shown as hex', async ({
  page,
}) => {
  await openConsole(page)
  await page.getByLabel('Send hex').check()
  await page.getByLabel('Show received as hex').check()
  await sendLine(page, '68 69 0a') // "hi\n"
  await expect(
    log(page).getByText('>>> 68 69 0a', { exact: true }),
  ).toBeVisible()
  // "hi from the server\n"
  const hex = [...Buffer.from('hi from the server\n')]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(' ')
  await expect(log(page).getByText(`<<< ${hex}`, { exact: true })).toBeVisible()
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
    log(page).getByText(
      `<<< <img src=x onerror="document.title='pwned'"><b>bold</b> from the server`,
      {
        exact: true,
      },
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
  await expect(
    log(page).getByText('<<< through vite from the server', { exact: true }),
  ).toBeVisible()
})
