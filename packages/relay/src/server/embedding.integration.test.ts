import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { CloseCode } from '@wsrelay/protocol'
import { describe, expect, it, vi } from 'vitest'
import { startEchoServer } from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import { startExpressApp } from '../../examples/embed-express.js'
import { startApp } from '../../examples/embed-http.js'
import type { ConnectionCloseEvent } from '../connection/close-record.js'
import { createHarness } from '../test-support/harness.js'
import { readBytes } from '../test-support/sockets.js'

const { track, defer } = createHarness()
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('embedding the relay in an app’s own server', () => {
  it('plain http: the app keeps its routes, /relay relays, events carry the stats', async () => {
    const echo = await track(startEchoServer())
    vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const { server, relay } = await startApp(0, `127.0.0.1:${echo.port}`)
    defer(() => new Promise<void>((r) => server.close(() => r())))
    const { port } = server.address() as AddressInfo
    const closed: ConnectionCloseEvent[] = []
    relay.on('connection-close', (c) => closed.push(c))

    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe(
      'hello from the app\n',
    )
    const ws = new WebSocket(`ws://127.0.0.1:${port}/relay`)
    await once(ws, 'open')
    ws.send('embedded')
    expect((await readBytes(ws, 8)).toString()).toBe('embedded')
    ws.close(1000)
    await vi.waitFor(() => expect(closed).toHaveLength(1))
    expect(closed[0]).toMatchObject({
      closeCode: 1000,
      by: 'client',
      bytesToTarget: 8,
      bytesToClient: 8,
      target: `127.0.0.1:${echo.port}`,
    })
    // Upgrades elsewhere are not the relay's.
    expect(relay.stats().connections).toBe(0)
    await relay.close()
  })

  it('Express: a route beside the relay, and close() drains with 1001', async () => {
    const echo = await track(startEchoServer())
    const { server, relay } = await startExpressApp(0, `127.0.0.1:${echo.port}`)
    defer(() => new Promise<void>((r) => server.close(() => r())))
    const { port } = server.address() as AddressInfo
    const ws = new WebSocket(`ws://127.0.0.1:${port}/relay`)
    await once(ws, 'open')
    ws.send('x')
    await readBytes(ws, 1)
    const status = (await (
      await fetch(`http://127.0.0.1:${port}/api/status`)
    ).json()) as { ready: boolean; connections: number }
    expect(status).toMatchObject({ ready: true, connections: 1 })
    const [code] = (
      await Promise.all([once(ws, 'close'), relay.close()])
    )[0] as [number]
    expect(code).toBe(CloseCode.RELAY_SHUTTING_DOWN)
    expect(relay.isReady()).toBe(false)
  })

  it('lowers maxConnections to what the open-file limit holds, as createRelay does', () => {
    const script = [
      "import http from 'node:http'",
      "import { pino } from 'pino'",
      "import { attachRelay } from '@wsrelay/relay'",
      "const relay = attachRelay(http.createServer(), { target: '127.0.0.1:9', maxConnections: 500, logger: pino() })",
      'await relay.close()',
    ].join('\n')
    const run = spawnSync(
      'prlimit',
      [
        '--nofile=256:256',
        '--',
        process.execPath,
        '--input-type=module',
        '-e',
        script,
      ],
      { cwd: PACKAGE_ROOT, encoding: 'utf8' },
    )
    expect(run.status, run.stderr).toBe(0)
    const warning = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.level === 40)
    expect(warning).toMatchObject({
      maxConnections: 63,
      fdLimit: 256,
      msg: 'The open-file limit (256) holds only 63 connections, not 500: using 63. Raise it (ulimit -n 1422) or set --max-connections.',
    })
  })
})
