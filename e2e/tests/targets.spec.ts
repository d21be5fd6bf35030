import { expect, test, type Page } from '@playwright/test'
import { PORTS } from '../ports.js'

const BLUE = 'rgb(21, 101, 192)'
const RELAY = `http://127.0.0.1:${PORTS.routedRelay}/`

const log = (page: Page) => page.getByRole('log', { name: 'Log' })
const status = (page: Page) =>
  page.getByRole('status', { name: 'Connection status' })

async function sendLine(page: Page, text: string) {
  await page.getByLabel('Message').fill(text)
  await page.getByLabel('Message').press('Enter')
}

async function connectCustom(page: Page, host: string, port: number) {
  await page.getByLabel('Target').selectOption({ label: 'Custom host:port…' })
  await page.getByLabel('Host', { exact: true }).fill(host)
  await page.getByLabel('Port', { exact: true }).fill(String(port))
  await page.getByRole('button', { name: 'Connect', exact: true }).click()
}

test('a relay with routes offers them, and the console connects to the first', async ({
  page,
}) => {
  await page.goto(RELAY)
  await expect(page.getByLabel('Target')).toHaveValue('route:echo')
  await expect(page.getByLabel('Target').getByRole('option')).toHaveText([
    'Route: echo',
    'Custom host:port…',
  ])
  await expect(status(page)).toHaveText('Connected')
  await expect(
    log(page).getByText(`--- Connected to route echo`, { exact: true }),
  ).toBeVisible()

  await sendLine(page, 'via the route')
  const echoed = log(page).getByText('<<< via the route from the server', {
    exact: true,
  })
  await expect(echoed).toBeVisible()
  await expect(echoed).toHaveCSS('color', BLUE)
})

test('a client-chosen target the relay allows: connected at the checked address, and it echoes', async ({
  page,
}) => {
  await page.goto(RELAY)
  await expect(status(page)).toHaveText('Connected')
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await expect(status(page)).toHaveText('Disconnected')

  await connectCustom(page, 'localhost', PORTS.echo)
  await expect(status(page)).toHaveText('Connected')
  await expect(
    log(page).getByText(
      `--- Connected to localhost:${PORTS.echo} at 127.0.0.1`,
      { exact: true },
    ),
  ).toBeVisible()
  await sendLine(page, 'chosen by the page')
  await expect(
    log(page).getByText('<<< chosen by the page from the server', {
      exact: true,
    }),
  ).toBeVisible()

  await page.getByRole('button', { name: 'Ping' }).click()
  await expect(
    log(page).getByText(/^--- Round trip to the relay: \d+ ms$/),
  ).toBeVisible()
})

test('a client-chosen target the relay does not allow is refused with the reason', async ({
  page,
}) => {
  await page.goto(RELAY)
  await expect(status(page)).toHaveText('Connected')
  await page.getByRole('button', { name: 'Disconnect' }).click()

  await connectCustom(page, '127.0.0.1', PORTS.deadTarget)
  await expect(
    log(page).getByText(
      `!!! Closed 4102 TARGET_NOT_ALLOWED: Target 127.0.0.1:${PORTS.deadTarget} is not allowed by this relay. ` +
        'Ask the relay operator to allow it (--allow or --route).',
      { exact: true },
    ),
  ).toBeVisible()
  // Not worth retrying: closed with the reason, no reconnect loop.
  await expect(status(page)).toHaveText('Closed: TARGET_NOT_ALLOWED (4102)')
})

test('a console served from another origin the relay allows gets its targets, with no CORS error', async ({
  page,
}) => {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  // The console from one relay, pointed at the routed relay, which allows
  // this page's origin (--allow-origin http://127.0.0.1:<relay port>).
  await page.goto(
    `http://127.0.0.1:${PORTS.relay}/?url=ws://127.0.0.1:${PORTS.routedRelay}/`,
  )
  await expect(page.getByLabel('Target').getByRole('option')).toHaveText([
    'Route: echo',
    'Custom host:port…',
  ])
  await expect(status(page)).toHaveText('Connected')
  await sendLine(page, 'across origins')
  await expect(
    log(page).getByText('<<< across origins from the server', { exact: true }),
  ).toBeVisible()
  expect(errors).toEqual([])
})
