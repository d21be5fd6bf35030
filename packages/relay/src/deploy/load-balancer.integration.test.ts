import { nginxConfigAround, startNginx } from './nginx.js'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CloseCode } from '@wsrelay/protocol'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { lacks } from '@wsrelay/test-kit/tools'
import {
  freePort,
  RELAY_CLI,
  startProcess,
  startRelayProcess,
} from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import { Inbox } from '../test-support/sockets.js'

/*
 * The production shape, with local processes: a real nginx running
 * deploy/nginx.conf in front of three `wsrelay` processes, which relay to the
 * echo server. Only ports and the upstream list are rewritten.
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const ECHO_CLI = join(ROOT, 'apps/echo-server/dist/cli.js')
const DEPLOY_CONF = join(ROOT, 'deploy/nginx.conf')

const RELAYS = 3
const SESSIONS = 300
/** Sessions opened at once: enough to interleave, few enough for 2 shared cores. */
const BATCH = 50
/** Bytes each session on the drained relay has in flight when SIGTERM arrives. */
const IN_FLIGHT_BYTES = 8 * 1024
/** Long enough that only the test decides when the drain ends. */
const DRAIN_TIMEOUT_MS = 30_000
const WAIT = { timeout: 15_000, interval: 50 }

type LogLine = Record<string, unknown>

interface RelayProcess {
  readonly name: string
  readonly port: number
  readonly child: ChildProcess
  readonly logs: LogLine[]
  readonly exited: Promise<number | null>
}

interface Session {
  readonly path: string
  readonly ws: WebSocket
  readonly inbox: Inbox
}

const children: ChildProcess[] = []

async function startEcho(): Promise<number> {
  const echo = await startProcess({
    command: process.execPath,
    args: [ECHO_CLI, '--host', '127.0.0.1', '--port', '0'],
    cwd: ROOT,
    ready: (line) => /listening on 127\.0\.0\.1:(\d+)/.exec(line)?.[1],
  })
  children.push(echo.child)
  return Number(echo.ready)
}

async function startRelay(
  name: string,
  echoPort: number,
): Promise<RelayProcess> {
  const relay = await startRelayProcess(
    [
      '--metrics',
      '--trust-proxy',
      '127.0.0.1',
      '--drain-timeout',
      String(DRAIN_TIMEOUT_MS),
      '127.0.0.1:0',
      `127.0.0.1:${echoPort}`,
    ],
    { cwd: ROOT },
  )
  children.push(relay.child)
  return {
    name,
    port: relay.port,
    child: relay.child,
    logs: relay.logs,
    exited: relay.exited.then(({ code }) => code),
  }
}

/** deploy/nginx.conf as shipped, with the listen port and the upstream servers moved onto the test's. */
function renderNginxConfig(
  prefix: string,
  nginxPort: number,
  relayPorts: number[],
): string {
  const shipped = readFileSync(DEPLOY_CONF, 'utf8')
  for (const needle of ['server 127.0.0.1:8080;', 'listen 80;']) {
    if (!shipped.includes(needle))
      throw new Error(
        `deploy/nginx.conf no longer has "${needle}": update this test`,
      )
  }
  const site = shipped
    .replace(
      'server 127.0.0.1:8080;',
      relayPorts.map((p) => `server 127.0.0.1:${p};`).join('\n    '),
    )
    .replace('listen 80;', `listen 127.0.0.1:${nginxPort};`)
  // Two sockets per session (browser side, relay side) plus headroom.
  return nginxConfigAround(site, prefix, 1024)
}

async function getJson(
  url: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() }
}

async function metricsOf(relay: RelayProcess): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${relay.port}/metrics`)
  expect(res.status).toBe(200)
  return res.text()
}

/** One sample from Prometheus text, e.g. `wsrelay_bytes_total{direction="to_client"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

/** The relay's own series, without prom-client's process and Node.js ones. */
const excerpt = (text: string): string =>
  text
    .split('\n')
    .filter((l) => /^wsrelay_/.test(l) && !/^wsrelay_(process|nodejs)_/.test(l))
    .join('\n')

const opened = (relay: RelayProcess): string[] =>
  relay.logs
    .filter((l) => l.msg === 'connection open')
    .map((l) => String(l.path))

describe.skipIf(lacks('nginx'))(
  'nginx (deploy/nginx.conf) in front of three wsrelay processes',
  () => {
    let nginx: ChildProcess | undefined
    let nginxPort = 0
    let relays: RelayProcess[] = []
    const sessions = new Map<string, Session>()
    const sockets: WebSocket[] = []
    let prefix: string | undefined

    /** Opens a session through nginx, checks one round trip, and keeps it. */
    const openSession = async (path: string): Promise<Session> => {
      const ws = new WebSocket(`ws://127.0.0.1:${nginxPort}${path}`)
      sockets.push(ws) // closed after the test even if it never opens
      await once(ws, 'open')
      ws.on('error', () => undefined) // asserted through close codes
      const session = { path, ws, inbox: new Inbox(ws) }
      sessions.set(path, session)
      ws.send(`hello ${path}`)
      expect((await session.inbox.readBytes(6 + path.length)).toString()).toBe(
        `hello ${path}`,
      )
      return session
    }

    const openSessions = async (paths: string[]): Promise<void> => {
      for (let i = 0; i < paths.length; i += BATCH) {
        await Promise.all(paths.slice(i, i + BATCH).map(openSession))
      }
    }

    /** Which relay each session's `connection open` log line came from. */
    const relayOf = (path: string): RelayProcess | undefined =>
      relays.find((r) => opened(r).includes(path))

    beforeAll(async () => {
      for (const cli of [RELAY_CLI, ECHO_CLI]) {
        if (!existsSync(cli))
          throw new Error(
            `${cli} is missing: run "pnpm build" first (pnpm test does).`,
          )
      }
      const echoPort = await startEcho()
      relays = await Promise.all(
        Array.from({ length: RELAYS }, (_, i) =>
          startRelay(`relay-${'abc'[i]}`, echoPort),
        ),
      )
      nginxPort = await freePort()
      prefix = mkdtempSync(join(tmpdir(), 'wsrelay-lb-'))
      const conf = join(prefix, 'nginx.conf')
      writeFileSync(
        conf,
        renderNginxConfig(
          prefix,
          nginxPort,
          relays.map((r) => r.port),
        ),
      )
      nginx = await startNginx(prefix, nginxPort, WAIT.timeout)
    }, 30_000)

    afterAll(async () => {
      for (const ws of sockets) ws.terminate()
      // Relays and echo first and at once: a draining relay would wait.
      const stops: [ChildProcess, NodeJS.Signals][] = children.map((child) => [
        child,
        'SIGKILL',
      ])
      if (nginx) stops.push([nginx, 'SIGTERM']) // fast stop, unlike SIGQUIT's wait for WebSockets
      for (const [child, signal] of stops) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit')
          child.kill(signal)
          await exited
        }
      }
      if (prefix) rmSync(prefix, { recursive: true, force: true })
    })

    it('spreads 300 sessions over all three relays, then drains one without disturbing the others', async () => {
      // 1. 300 sessions through nginx, each on its own path so the relays'
      //    `connection open` lines say which relay took it.
      const paths = Array.from({ length: SESSIONS }, (_, i) => `/s/${i}`)
      await openSessions(paths)
      await vi.waitFor(
        () =>
          expect(relays.reduce((sum, r) => sum + opened(r).length, 0)).toBe(
            SESSIONS,
          ),
        WAIT,
      )
      const counts = Object.fromEntries(
        relays.map((r) => [r.name, opened(r).length]),
      )
      console.info(`sessions per relay: ${JSON.stringify(counts)}`)
      for (const relay of relays) {
        // least_conn over three empty relays: about a third each.
        expect(opened(relay).length).toBeGreaterThanOrEqual(SESSIONS / 6)
        // The gauge reads the same registry as the log lines' sessions.
        expect(sample(await metricsOf(relay), 'wsrelay_connections')).toBe(
          opened(relay).length,
        )
      }

      const [a, b, c] = relays as [RelayProcess, RelayProcess, RelayProcess]
      const onB = paths
        .filter((p) => relayOf(p) === b)
        .map((p) => sessions.get(p)!)
      const others = paths
        .filter((p) => relayOf(p) !== b)
        .map((p) => sessions.get(p)!)

      // 2. Bytes in flight on every session of relay B: the browsers stop
      //    reading, send, and the echoes pass the relay (its to_client counter
      //    says so) but have not been read when SIGTERM arrives.
      const toClientBefore = sample(
        await metricsOf(b),
        'wsrelay_bytes_total{direction="to_client"}',
      )
      const sent = new Map<string, Buffer>()
      for (const session of onB) {
        session.ws.pause()
        const bytes = randomBytes(IN_FLIGHT_BYTES)
        sent.set(session.path, bytes)
        session.ws.send(bytes)
      }
      await vi.waitFor(
        async () =>
          expect(
            sample(
              await metricsOf(b),
              'wsrelay_bytes_total{direction="to_client"}',
            ),
          ).toBe(toClientBefore + onB.length * IN_FLIGHT_BYTES),
        WAIT,
      )
      b.child.kill('SIGTERM')

      // 3. While it drains, B keeps answering: not ready, still alive.
      await vi.waitFor(
        async () =>
          expect(await getJson(`http://127.0.0.1:${b.port}/readyz`)).toEqual({
            status: 503,
            body: { status: 'draining' },
          }),
        WAIT,
      )
      expect(await getJson(`http://127.0.0.1:${b.port}/healthz`)).toMatchObject(
        { status: 200, body: { status: 'draining' } },
      )

      // 4. Every session on B gets all its bytes, then 1001. One browser
      //    keeps not reading, so B stays draining for the next steps.
      const [slow, ...prompt] = onB as [Session, ...Session[]]
      await Promise.all(
        prompt.map(async (session) => {
          session.ws.resume()
          const echoed = await session.inbox.readBytes(IN_FLIGHT_BYTES)
          expect(echoed.equals(sent.get(session.path)!)).toBe(true)
          expect((await session.inbox.closed()).code).toBe(
            CloseCode.RELAY_SHUTTING_DOWN,
          )
        }),
      )
      expect((await getJson(`http://127.0.0.1:${b.port}/readyz`)).status).toBe(
        503,
      )

      // 5. New sessions land on A and C. B now has the fewest sessions, so
      //    least_conn offers it the first one: B answers 503 and nginx
      //    retries another relay without the browser noticing.
      const openedOnB = opened(b).length
      const fresh = Array.from({ length: 30 }, (_, i) => `/n/${i}`)
      await openSessions(fresh)
      await vi.waitFor(
        () =>
          expect(fresh.every((p) => relayOf(p) === a || relayOf(p) === c)).toBe(
            true,
          ),
        WAIT,
      )
      expect(opened(b).length).toBe(openedOnB)
      const drainingMetrics = await metricsOf(b)
      expect(
        sample(
          drainingMetrics,
          'wsrelay_connections_refused_total{reason="shutting-down"}',
        ),
      ).toBeGreaterThanOrEqual(1)
      console.info(
        `relay-b /metrics while draining:\n${excerpt(drainingMetrics)}`,
      )

      // 6. Nothing else is disturbed: every session on A and C still echoes.
      await Promise.all(
        [...others, ...fresh.map((p) => sessions.get(p)!)].map(
          async (session) => {
            session.ws.send(`still ${session.path}`)
            expect(
              (
                await session.inbox.readBytes(6 + session.path.length)
              ).toString(),
            ).toBe(`still ${session.path}`)
          },
        ),
      )

      // 7. The slow browser reads at last: its bytes, then 1001; B exits 0.
      slow.ws.resume()
      expect(
        (await slow.inbox.readBytes(IN_FLIGHT_BYTES)).equals(
          sent.get(slow.path)!,
        ),
      ).toBe(true)
      expect((await slow.inbox.closed()).code).toBe(
        CloseCode.RELAY_SHUTTING_DOWN,
      )
      expect(await b.exited).toBe(0)
      const closedOnB = b.logs.filter((l) => l.msg === 'connection closed')
      expect(closedOnB).toHaveLength(onB.length)
      expect(closedOnB.map((l) => [l.closeCode, l.by])).toEqual(
        onB.map(() => [CloseCode.RELAY_SHUTTING_DOWN, 'relay']),
      )

      // 8. With B gone, nginx's connect fails over too; and no session on A
      //    or C ever closed: each relay's live gauge equals the sessions it opened.
      const after = Array.from({ length: 10 }, (_, i) => `/after/${i}`)
      await openSessions(after)
      await vi.waitFor(
        () =>
          expect(after.every((p) => relayOf(p) === a || relayOf(p) === c)).toBe(
            true,
          ),
        WAIT,
      )
      for (const relay of [a, c]) {
        const text = await metricsOf(relay)
        expect(sample(text, 'wsrelay_connections')).toBe(opened(relay).length)
        if (relay === a) {
          console.info(`relay-a /metrics after the drain:\n${excerpt(text)}`)
        }
      }
      console.info(
        `sessions opened per relay in all: ${JSON.stringify(
          Object.fromEntries(relays.map((r) => [r.name, opened(r).length])),
        )}`,
      )
    }, 60_000)
  },
)
