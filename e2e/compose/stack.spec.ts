import { execFile } from 'node:child_process'
import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import {
  expectHelloRoundTrip,
  LIGHT,
  logLine,
  openConsole,
  sendLine,
  status,
} from '../page.js'
import {
  containersOf,
  docker,
  nameOf,
  sessionsPerRelay,
  total,
} from './docker.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SESSIONS = 6

// One stack, changed by each test in turn.
test.describe.configure({ mode: 'serial' })

test('health checks are quiet: no service logs a probe', async () => {
  // What a logged probe would look like in each service's log.
  const probeLines = {
    echo: /connection/,
    relay: /readyz|healthz|connection open/,
    nginx: /readyz|GET \//,
  }
  for (const [service, probe] of Object.entries(probeLines)) {
    const [id] = await containersOf(service)
    // At least two probes have run and passed.
    const passedProbes = async () =>
      (
        JSON.parse(
          await docker(
            'inspect',
            '--format',
            '{{json .State.Health.Log}}',
            id!,
          ),
        ) as { ExitCode: number }[]
      ).filter((entry) => entry.ExitCode === 0).length
    await expect
      .poll(passedProbes, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2)
    const { stdout, stderr } = await promisify(execFile)('docker', [
      'logs',
      id!,
    ])
    const lines = (stdout + stderr).split('\n').filter(Boolean)
    expect(lines.filter((line) => probe.test(line))).toEqual([])
  }
})

test('every service runs unprivileged: not root, no capabilities, read-only root, no new privileges', async () => {
  const uids = { echo: '1000', relay: '1000', nginx: '101' }
  for (const [service, uid] of Object.entries(uids)) {
    for (const id of await containersOf(service)) {
      const host = JSON.parse(
        await docker('inspect', '--format', '{{json .HostConfig}}', id),
      ) as { ReadonlyRootfs: boolean; CapDrop: string[]; SecurityOpt: string[] }
      expect(host.ReadonlyRootfs).toBe(true)
      expect(host.CapDrop).toContain('ALL')
      expect(host.SecurityOpt).toContain('no-new-privileges:true')
      // Every process of the container (nginx's master and workers too).
      const status = await docker(
        'exec',
        id,
        'sh',
        '-c',
        'cat /proc/[0-9]*/status',
      )
      const uidLines = status.match(/^Uid:.*$/gm) ?? []
      expect(uidLines.length).toBeGreaterThan(0)
      for (const line of uidLines) {
        expect(line.split(/\s+/).slice(1)).toEqual([uid, uid, uid, uid])
      }
      for (const line of status.match(/^Cap(Prm|Eff):.*$/gm) ?? []) {
        expect(line).toMatch(/\s0{16}$/)
      }
    }
  }
})

test('the console through nginx: a typed line red, its echo blue', async ({
  page,
}) => {
  await openConsole(page)
  await expectHelloRoundTrip(page)
})

test('the UDP route game through nginx and a relay container: one datagram out, one line back', async ({
  page,
}) => {
  await openConsole(page)
  await page.getByLabel('Target').selectOption({ label: 'Route: game (UDP)' })
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await expect(status(page)).toHaveText('Disconnected')
  await page.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(status(page)).toHaveText('Connected')
  await expect(
    logLine(page, '--- Connected to route game over UDP'),
  ).toBeVisible()
  await sendLine(page, 'datagram')
  await expect(logLine(page, '>>> datagram')).toHaveCSS('color', LIGHT.sent)
  await expect(logLine(page, '<<< datagram from the server')).toHaveCSS(
    'color',
    LIGHT.received,
  )
})

/** Each console sends a line and shows its echo: the session is live. */
async function roundTrips(pages: Page[], text: string) {
  await Promise.all(
    pages.map(async (page, i) => {
      await expect(status(page)).toHaveText('Connected')
      await sendLine(page, `${text} ${i}`)
      await expect(
        logLine(page, `<<< ${text} ${i} from the server`),
      ).toBeVisible()
    }),
  )
}

/** Polls the relays until they hold `expected` sessions in all. */
async function settledSessions(expected: number) {
  let counts: Record<string, number> = {}
  await expect
    .poll(async () => total((counts = await sessionsPerRelay())), {
      timeout: 15_000,
    })
    .toBe(expected)
  return counts
}

test.describe(`${SESSIONS} consoles at once`, () => {
  let context: BrowserContext
  let pages: Page[]

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext()
    pages = []
    for (let i = 0; i < SESSIONS; i++) {
      const page = await context.newPage()
      await openConsole(page)
      pages.push(page)
    }
    await roundTrips(pages, 'hello')
  })

  test.afterAll(async () => {
    await context.close()
  })

  test('spread over every relay replica (least_conn)', async () => {
    const counts = await settledSessions(SESSIONS)
    console.log(`sessions per relay: ${JSON.stringify(counts)}`)
    expect(Object.keys(counts)).toHaveLength(3)
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(0)
  })

  test('deploy/upgrade-relays.sh drains the relays one at a time onto new ones: every session survives and spreads, echo is left alone', async () => {
    test.setTimeout(240_000)
    const before = await settledSessions(SESSIONS)
    const oldRelays = await containersOf('relay')
    const [echo] = await containersOf('echo')
    const echoStarted = await docker(
      'inspect',
      '--format',
      '{{.State.StartedAt}}',
      echo!,
    )

    // A source edit, as before any upgrade: a line in the relay package's
    // README, which ships in the relay image and not in echo's.
    const readme = `${ROOT}packages/relay/README.md`
    const original = await readFile(readme, 'utf8')
    let output: string
    try {
      await appendFile(readme, '\n<!-- upgrade test -->\n')
      const { stdout, stderr } = await promisify(execFile)(
        'deploy/upgrade-relays.sh',
        [],
        { cwd: ROOT, timeout: 200_000 },
      )
      output = stdout + stderr
    } finally {
      await writeFile(readme, original)
    }
    await test.info().attach('upgrade-relays.sh', { body: output })
    expect(output).toContain('3 relay(s) upgraded')

    const newRelays = await containersOf('relay')
    expect(newRelays).toHaveLength(3)
    expect(newRelays.filter((id) => oldRelays.includes(id))).toEqual([])
    // Every console reconnected (1001 is retryable) and works.
    await roundTrips(pages, 'after the upgrade')
    const after = await settledSessions(SESSIONS)
    console.log(
      `upgrade: sessions before ${total(before)} ${JSON.stringify(before)}, after ${total(after)} ${JSON.stringify(after)}`,
    )
    // Spread again: every new relay took some of the sessions.
    for (const n of Object.values(after)) expect(n).toBeGreaterThan(0)
    // The same echo container, never restarted: no console saw the target end.
    expect(await containersOf('echo')).toEqual([echo])
    expect(
      await docker('inspect', '--format', '{{.State.StartedAt}}', echo!),
    ).toBe(echoStarted)
    for (const page of pages) {
      await expect(logLine(page, /Target ended/)).toHaveCount(0)
    }
  })

  test('a relay drained with SIGTERM: its sessions come back on the others, and nginx skips it at once', async ({
    request,
  }) => {
    const counts = await settledSessions(SESSIONS)
    const busiest = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]!
    const [id] = await Promise.all(
      (await containersOf('relay')).map(async (c) =>
        (await nameOf(c)) === busiest[0] ? c : undefined,
      ),
    ).then((ids) => ids.filter(Boolean))
    await docker('kill', '--signal', 'TERM', id!)
    // The drain ends with exit code 0, and the restart policy leaves it stopped.
    expect(await docker('wait', id!)).toBe('0')

    await roundTrips(pages, 'after the drain')
    const after = await settledSessions(SESSIONS)
    console.log(
      `drain: ${busiest[0]} had ${busiest[1]} session(s); now ${JSON.stringify(after)}`,
    )
    expect(Object.keys(after)).not.toContain(busiest[0])

    // Its address is gone, so a connect to it times out rather than being
    // refused: nginx gives up after 1 s (proxy_connect_timeout), retries
    // another relay, and leaves the stopped one out for 10 s.
    for (let i = 0; i < 10; i++) {
      const started = Date.now()
      const res = await request.get('/readyz')
      expect(res.status()).toBe(200)
      expect(Date.now() - started).toBeLessThan(2_500)
    }
  })

  test('with every relay stopped, nginx answers 502 within seconds and its health check fails', async ({
    request,
  }) => {
    const relays = await containersOf('relay')
    await docker('stop', ...relays)
    const started = Date.now()
    const res = await request.get('/readyz')
    expect(res.status()).toBe(502)
    expect(Date.now() - started).toBeLessThan(5_000)

    const [nginx] = await containersOf('nginx')
    await expect
      .poll(
        async () =>
          Number(
            await docker(
              'inspect',
              '--format',
              '{{.State.Health.FailingStreak}}',
              nginx!,
            ),
          ),
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0)
  })
})
