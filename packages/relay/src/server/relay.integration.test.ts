import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloseCode } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { lacks } from '@wsrelay/test-kit/tools'
import {
  freePort,
  RawConnection,
  startEchoServer,
  startTcpServer,
} from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import { createRelay } from './create-relay.js'
import {
  closed,
  collectUntilClose,
  openWebSocket,
  readBytes,
  readToEnd,
} from '../test-support/sockets.js'
import { createHarness } from '../test-support/harness.js'

const { track, startRelay } = createHarness()

describe('relay: data path', () => {
  it('relays binary frames to the target and its bytes back, byte for byte', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({ target: `127.0.0.1:${echo.port}` })
    const ws = await openWebSocket(url, 'binary')
    expect(ws.protocol).toBe('binary')

    const payload = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d, 0x80])
    ws.send(payload)
    expect(await readBytes(ws, payload.length)).toEqual(payload)
    ws.close()
  })

  it('writes text frames to the target as their UTF-8 bytes', async () => {
    const target = await track(startTcpServer())
    const { url } = await startRelay({ target: `127.0.0.1:${target.port}` })
    const ws = await openWebSocket(url)
    const socket = await target.nextSocket()
    const received = readToEnd(socket)

    ws.send('héllo 😀\n') // a text frame
    ws.close()
    expect((await received).toString('utf8')).toBe('héllo 😀\n')
  })

  it('relays 1 MiB of random bytes byte-exact, as one message and as many', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({ target: `127.0.0.1:${echo.port}` })
    const ws = await openWebSocket(url, 'binary')

    const oneMessage = randomBytes(1024 * 1024)
    const back = readBytes(ws, oneMessage.length)
    ws.send(oneMessage)
    expect((await back).equals(oneMessage)).toBe(true)

    const pieces = randomBytes(1024 * 1024)
    const backAgain = readBytes(ws, pieces.length)
    for (let at = 0; at < pieces.length; at += 4096)
      ws.send(pieces.subarray(at, at + 4096))
    expect((await backAgain).equals(pieces)).toBe(true)
    ws.close()
  })

  it('accepts upgrades on any path', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({ target: `127.0.0.1:${echo.port}` })
    for (const path of ['', 'relay', 'deep/path?x=1']) {
      const ws = await openWebSocket(`${url}${path}`)
      ws.send('ping')
      expect((await readBytes(ws, 4)).toString()).toBe('ping')
      ws.close()
    }
  })
})

describe('relay: closing', () => {
  it('delivers all of 1 MiB the target sent before closing, then closes 1000', async () => {
    const payload = randomBytes(1024 * 1024)
    const target = await track(startTcpServer((socket) => socket.end(payload)))
    const { url } = await startRelay({ target: `127.0.0.1:${target.port}` })
    const ws = new WebSocket(url)
    const { bytes, closed: close } = await collectUntilClose(ws)

    expect(bytes.length).toBe(payload.length)
    expect(bytes.equals(payload)).toBe(true)
    expect(close).toEqual({
      code: CloseCode.NORMAL_CLOSURE,
      reason: `TCP target 127.0.0.1:${target.port} closed the connection.`,
    })
  })

  it('ends the TCP socket (FIN) when the browser leaves, after writing what it sent', async () => {
    const target = await track(startTcpServer())
    const { url } = await startRelay({ target: `127.0.0.1:${target.port}` })
    const ws = await openWebSocket(url)
    const socket = await target.nextSocket()
    const received = readToEnd(socket)
    const payload = randomBytes(256 * 1024)

    ws.send(payload)
    ws.close(1000, 'bye')
    // 'end' (not 'error'/reset): the relay half-closed after flushing.
    expect((await received).equals(payload)).toBe(true)
  })

  it('closes the browser with 4000 and the reason when the target refuses, and keeps serving', async () => {
    const deadPort = await freePort()
    const { url } = await startRelay({ target: `127.0.0.1:${deadPort}` })

    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(url)
      expect(await closed(ws)).toEqual({
        code: CloseCode.TARGET_REFUSED,
        reason: `Cannot reach TCP target 127.0.0.1:${deadPort} (ECONNREFUSED).`,
      })
    }
  })

  it('closes with 4001 when the target host name does not resolve', async () => {
    const { url } = await startRelay({ target: 'wsrelay-test.invalid:5000' })
    const ws = new WebSocket(url)
    const { code, reason } = await closed(ws)
    expect(code).toBe(CloseCode.TARGET_DNS_FAILED)
    expect(reason).toMatch(
      /^Cannot resolve TCP target wsrelay-test\.invalid:5000 \((ENOTFOUND|EAI_AGAIN)\)\.$/,
    )
  })

  it('closes with 4004 when the target resets the connection', async () => {
    const target = await track(
      startTcpServer((socket) => socket.resetAndDestroy()),
    )
    const { url } = await startRelay({ target: `127.0.0.1:${target.port}` })
    const ws = new WebSocket(url)
    expect(await closed(ws)).toEqual({
      code: CloseCode.TARGET_RESET,
      reason: `TCP target 127.0.0.1:${target.port} reset the connection (ECONNRESET).`,
    })
  })

  it('closes with 1009 when a message is larger than the limit, and the target is ended', async () => {
    const target = await track(startTcpServer())
    const { url } = await startRelay({
      target: `127.0.0.1:${target.port}`,
      maxMessageSize: 1024,
    })
    const ws = await openWebSocket(url)
    const socket = await target.nextSocket()
    const ended = readToEnd(socket)
    ws.send(Buffer.alloc(1025))
    expect((await closed(ws)).code).toBe(CloseCode.MESSAGE_TOO_BIG)
    expect((await ended).length).toBe(0)
  })

  it('close() sends 1001 to every browser and ends every TCP connection', async () => {
    const target = await track(startTcpServer())
    const { relay, url } = await startRelay({
      target: `127.0.0.1:${target.port}`,
    })
    const a = await openWebSocket(url)
    const b = await openWebSocket(url)
    const ends = [
      readToEnd(await target.nextSocket()),
      readToEnd(await target.nextSocket()),
    ]
    const closes = [closed(a), closed(b)]

    await relay.close()
    for (const c of await Promise.all(closes)) {
      expect(c).toEqual({
        code: CloseCode.RELAY_SHUTTING_DOWN,
        reason: 'Relay shutting down.',
      })
    }
    await Promise.all(ends)
    expect(relay.stats().connections).toBe(0)
  })
})

describe('relay: HTTP side', () => {
  it('refuses a handshake that offers only unknown subprotocols with 400', async () => {
    const { port } = await startRelay({ target: '127.0.0.1:9' })
    const conn = await RawConnection.open(port, {
      protocols: ['chat', 'mqtt'],
    })
    await conn.waitForEnd(2000)
    expect(conn.head).toMatchObject({
      status: 400,
      body: 'Unsupported WebSocket subprotocol(s) chat, mqtt. Offer "wsrelay.v1", "binary" or none.\n',
    })
  })

  it('serves the --web directory to plain GETs on the same port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wsrelay-web-'))
    await writeFile(join(dir, 'index.html'), '<h1>console</h1>')
    const { port } = await startRelay({ target: '127.0.0.1:9', web: dir })

    const page = await fetch(`http://127.0.0.1:${port}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toBe('<h1>console</h1>')
    expect((await fetch(`http://127.0.0.1:${port}/missing.js`)).status).toBe(
      404,
    )
    expect(
      (await fetch(`http://127.0.0.1:${port}/..%2f..%2fetc%2fpasswd`)).status,
    ).toBe(404)
  })

  it('answers plain GETs with 426 when there is no --web, and /healthz always', async () => {
    const { port } = await startRelay({ target: '127.0.0.1:9' })
    const res = await fetch(`http://127.0.0.1:${port}/`)
    expect(res.status).toBe(426)
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(await health.json()).toEqual({ status: 'ok', connections: 0 })
  })

  it('listens with the backlog --listen-backlog asks for (ss shows it as Send-Q)', async ({
    skip,
  }) => {
    skip(lacks('ss'))
    const backlogOf = (port: number): number => {
      const out = spawnSync('ss', ['-Hltn', `sport = :${port}`], {
        encoding: 'utf8',
      }).stdout
      return Number(out.trim().split(/\s+/)[2])
    }
    const chosen = await startRelay({ target: '127.0.0.1:9', listenBacklog: 7 })
    expect(backlogOf(chosen.port)).toBe(7)
    const usual = await startRelay({ target: '127.0.0.1:9' })
    expect(backlogOf(usual.port)).toBe(2048)
  })

  it('reports a port in use as RELAY_LISTEN_FAILED with a hint', async () => {
    const { port } = await startRelay({ target: '127.0.0.1:9' })
    const second = createRelay({ target: '127.0.0.1:9', listen: port })
    await expect(second.listen()).rejects.toMatchObject({
      code: 'RELAY_LISTEN_FAILED',
      message: `Cannot listen on 127.0.0.1:${port} (EADDRINUSE). Another process uses that port: stop it or pick another port.`,
    })
  })

  it('a close() while listen() is still binding waits for the bind, then frees the port (a signal at start)', async () => {
    const relay = createRelay({ target: '127.0.0.1:9' })
    const listening = relay.listen()
    const closed = relay.close() // before the bind has finished
    const { port } = await listening
    await closed
    // Nothing listens any more: the port can be bound again.
    const again = createRelay({ target: '127.0.0.1:9', listen: port })
    await expect(again.listen()).resolves.toMatchObject({ port })
    await again.close()
  })

  it('rejects invalid options at once', () => {
    expect(() => createRelay({ target: 'nohost' })).toThrow(
      'Invalid target address "nohost": expected host:port, e.g. 127.0.0.1:5000.',
    )
    expect(() =>
      createRelay({ target: '127.0.0.1:5000', maxMessageSize: 0 }),
    ).toThrow(
      'Invalid option maxMessageSize 0: expected a positive whole number.',
    )
  })
})
