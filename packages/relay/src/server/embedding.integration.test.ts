import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { CloseCode } from '@wsrelay/protocol'
import { describe, expect, it, vi } from 'vitest'
import { RawConnection, startEchoServer } from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import { startExpressApp } from '../../examples/embed-express.js'
import { startApp } from '../../examples/embed-http.js'
import type { ConnectionCloseEvent } from '../connection/close-record.js'
import { attachRelay } from '../server/attach-relay.js'
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

  /** A plain app (404 for anything but /hello) with a relay on /relay. */
  async function appWithRelay(
    options: { handshakeTimeout?: number; otherUpgrade?: boolean } = {},
  ) {
    const echo = await track(startEchoServer())
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/hello' ? 200 : 404)
      res.end(req.url === '/hello' ? 'hello\n' : 'not here\n')
    })
    const relay = attachRelay(server, {
      path: '/relay',
      target: `127.0.0.1:${echo.port}`,
      ...(options.handshakeTimeout === undefined
        ? {}
        : { handshakeTimeout: options.handshakeTimeout }),
    })
    defer(() => relay.close())
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    defer(() => {
      server.closeAllConnections()
      return new Promise<void>((r) => server.close(() => r()))
    })
    const { port } = server.address() as AddressInfo
    return { server, relay, port }
  }

  it('hands 300 upgrades to other paths to the app, which answers each, and holds no socket', async () => {
    const { server, port } = await appWithRelay()
    const conns = await Promise.all(
      Array.from({ length: 300 }, () =>
        RawConnection.open(port, { path: '/chat' }, 5000),
      ),
    )
    for (const conn of conns) defer(() => conn.destroy())
    const endings = await Promise.all(conns.map((c) => c.waitForEnd(5000)))
    expect(conns.map((c) => c.head?.status)).toEqual(Array(300).fill(404))
    expect(conns[0]?.head?.body).toContain('not here')
    expect(endings.filter((e) => e.kind === 'timeout')).toHaveLength(0)
    const open = () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      )
    // Each socket is gone once its client is (or after a 1 s grace).
    await vi.waitFor(async () => expect(await open()).toBe(0), {
      timeout: 3000,
    })
  })

  it("leaves upgrades on other paths to the app's own upgrade listener", async () => {
    const { server, port } = await appWithRelay()
    server.on('upgrade', (req, socket: net.Socket) => {
      if (req.url === '/chat') socket.end('HTTP/1.1 418 I am the app\r\n\r\n')
    })
    const conn = await RawConnection.open(port, { path: '/chat' })
    defer(() => conn.destroy())
    expect(conn.head?.status).toBe(418)
  })

  it('answers 404 naming the fix when the app has no request handler to hand an upgrade to', async () => {
    const echo = await track(startEchoServer())
    const server = http.createServer()
    const relay = attachRelay(server, {
      path: '/relay',
      target: `127.0.0.1:${echo.port}`,
    })
    defer(() => relay.close())
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    defer(() => {
      server.closeAllConnections()
      return new Promise<void>((r) => server.close(() => r()))
    })
    const { port } = server.address() as AddressInfo
    const conn = await RawConnection.open(port, { path: '/chat' })
    defer(() => conn.destroy())
    expect(conn.head).toMatchObject({
      status: 404,
      body: 'No WebSocket endpoint at this path. Connect to the path the relay is attached on (attachRelay option path).\n',
    })
  })

  it('cuts a connection whose first request head drips past handshakeTimeout, with 408', async () => {
    const { port } = await appWithRelay({ handshakeTimeout: 500 })
    const socket = net.connect({ host: '127.0.0.1', port })
    defer(() => socket.destroy())
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    let answer = ''
    socket.on('data', (c: Buffer) => (answer += c.toString()))
    const started = Date.now()
    socket.write('GET /relay HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web')
    const drip = setInterval(() => socket.write('s'), 100)
    defer(() => clearInterval(drip))
    await once(socket, 'close')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('two relays on one server: each takes its own path, and the app the rest', async () => {
    const echo = await track(startEchoServer())
    const server = http.createServer((_req, res) => res.end('app\n'))
    const a = attachRelay(server, {
      path: '/a',
      target: `127.0.0.1:${echo.port}`,
    })
    const b = attachRelay(server, {
      path: '/a/b',
      target: `127.0.0.1:${echo.port}`,
    })
    defer(() => a.close())
    defer(() => b.close())
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    defer(() => {
      server.closeAllConnections()
      return new Promise<void>((r) => server.close(() => r()))
    })
    const { port } = server.address() as AddressInfo
    for (const path of ['/a', '/a/b/c', '/c']) {
      const conn = await RawConnection.open(port, { path })
      defer(() => conn.destroy())
      expect(conn.head?.status, path).toBe(path === '/c' ? 200 : 101)
    }
    expect(a.stats().connections + b.stats().connections).toBe(2)
    expect(b.stats().peakConnections).toBe(1)
  })
})
