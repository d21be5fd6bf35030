import dgram from 'node:dgram'
import { once } from 'node:events'
import { expect, test } from '@playwright/test'
import { PORTS } from '../ports.js'
import { LIGHT, log, logLine, screenshot, sendLine, status } from '../page.js'
import { startRelayWith } from '../processes.js'

const RELAY = `http://127.0.0.1:${PORTS.udpRelay}/`

test('a UDP route: a typed line goes out as one datagram (red) and its answer comes back as one line (blue), drops counted beside the bytes', async ({
  page,
}, testInfo) => {
  await page.goto(RELAY)
  await expect(page.getByLabel('Target').getByRole('option')).toHaveText([
    'Route: game (UDP)',
    'Route: dead (UDP)',
    'Route: echo',
  ])
  await expect(page.getByLabel('Target')).toHaveValue('route:game')
  await expect(status(page)).toHaveText('Connected')
  await expect(
    logLine(page, '--- Connected to route game over UDP'),
  ).toBeVisible()
  await expect(page.getByLabel('Traffic')).toContainText('Dropped 0')

  const texts = ['hello', 'héllo wörld ✓', 'third']
  for (const text of texts) {
    await sendLine(page, text)
    const sent = logLine(page, `>>> ${text}`)
    const received = logLine(page, `<<< ${text} from the server`)
    await expect(sent).toBeVisible()
    await expect(received).toBeVisible()
    await expect(sent).toHaveCSS('color', LIGHT.sent)
    await expect(received).toHaveCSS('color', LIGHT.received)
  }
  // One datagram, one line: every answer is a line of its own, in order.
  const lines = await log(page).locator('.line').allInnerTexts()
  expect(lines.filter((l) => l.startsWith('<<< '))).toEqual([
    '<<< hello from the server',
    '<<< héllo wörld ✓ from the server',
    '<<< third from the server',
  ])
  // "hello\n" goes out as 6 bytes and comes back as "hello from the server\n".
  const sentBytes = texts.reduce(
    (sum, text) => sum + Buffer.byteLength(`${text}\n`),
    0,
  )
  const suffixBytes = Buffer.byteLength(' from the server')
  await expect(page.getByLabel('Traffic')).toContainText(`Sent ${sentBytes} B`)
  await expect(page.getByLabel('Traffic')).toContainText(
    `Received ${sentBytes + texts.length * suffixBytes} B`,
  )
  await screenshot(page, testInfo, 'console-udp')
})

test('a UDP server that is not running: ICMP port unreachable closes 4006, with the meaning and hint', async ({
  page,
}) => {
  await page.goto(RELAY)
  await expect(status(page)).toHaveText('Connected')
  await page.getByLabel('Auto-reconnect').uncheck()
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await expect(status(page)).toHaveText('Disconnected')
  await page.getByLabel('Target').selectOption({ label: 'Route: dead (UDP)' })
  await page.getByRole('button', { name: 'Connect', exact: true }).click()
  // Nothing refuses a UDP socket until a datagram is answered.
  await expect(status(page)).toHaveText('Connected')
  await sendLine(page, 'anyone there?')
  await expect(
    logLine(
      page,
      `!!! Closed 4006 UDP_TARGET_REFUSED: UDP target 127.0.0.1:${PORTS.deadUdp} refused a datagram (ICMP port unreachable). ` +
        'Is the UDP server running and bound to that host and port? Reconnect once it is up.',
    ),
  ).toBeVisible()
  await expect(status(page)).toHaveText('Closed: UDP_TARGET_REFUSED (4006)')
})

test('a UDP session with no datagram either way for --udp-idle-timeout closes 4100, naming the flag', async ({
  page,
}) => {
  const relay = await startRelayWith(PORTS.udpIdleRelay, [
    '--udp-idle-timeout',
    '1000',
    '--route',
    `game=udp:127.0.0.1:${PORTS.udpEcho}`,
  ])
  try {
    await page.goto(`http://127.0.0.1:${PORTS.udpIdleRelay}/`)
    await expect(status(page)).toHaveText('Connected')
    await page.getByLabel('Auto-reconnect').uncheck()
    await sendLine(page, 'one tick')
    await expect(logLine(page, '<<< one tick from the server')).toBeVisible()
    await expect(
      logLine(
        page,
        '!!! Closed 4100 IDLE_TIMEOUT: No datagram either way for 1000 ms (--udp-idle-timeout). ' +
          'Send keep-alive data, or raise --idle-timeout on the relay (--udp-idle-timeout for a UDP target).',
      ),
    ).toBeVisible()
    await expect(status(page)).toHaveText('Closed: IDLE_TIMEOUT (4100)')
  } finally {
    await relay.kill('SIGTERM')
  }
})

test('a page that stops reading while its UDP server floods: the relay drops, and the console counts the drops beside the bytes', async ({
  page,
}, testInfo) => {
  // A game server that answers "flood" with 1 KiB datagrams for 3 s.
  const server = dgram.createSocket('udp4')
  server.on('error', () => undefined)
  let isFlooding = false
  let isClosed = false
  server.on('message', (datagram, from) => {
    if (!datagram.toString().startsWith('flood') || isFlooding) return
    isFlooding = true
    const until = Date.now() + 3000
    const line = Buffer.from(`${'x'.repeat(1023)}\n`)
    const batch = (): void => {
      if (isClosed) return
      for (let i = 0; i < 64; i++) server.send(line, from.port, from.address)
      if (Date.now() < until) setImmediate(batch)
    }
    batch()
  })
  server.bind(0, '127.0.0.1')
  await once(server, 'listening')
  const relay = await startRelayWith(PORTS.udpFloodRelay, [
    '--route',
    `flood=udp:127.0.0.1:${server.address().port}`,
  ])
  try {
    await page.goto(`http://127.0.0.1:${PORTS.udpFloodRelay}/`)
    await expect(status(page)).toHaveText('Connected')
    await expect(page.getByLabel('Traffic')).toContainText('Dropped 0')
    await sendLine(page, 'flood')
    // The page is busy for 2 s: it reads nothing, so its WebSocket fills.
    await page.evaluate(() => {
      const until = Date.now() + 2000
      while (Date.now() < until);
    })
    await expect(page.getByLabel('Traffic')).toContainText(/Dropped [1-9]/)
    await expect(
      logLine(
        page,
        /^--- The relay dropped [\d,]+ datagrams \([\d,]+ bytes\) from the UDP server so far this session: this page did not read them in time\.$/,
      ).first(),
    ).toBeVisible()
    // Still one session: drops are not a failure.
    await expect(status(page)).toHaveText('Connected')
    await screenshot(page, testInfo, 'console-udp-dropped')
  } finally {
    await relay.kill('SIGTERM')
    isClosed = true
    server.close()
  }
})
