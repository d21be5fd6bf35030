import { once } from 'node:events'
import net from 'node:net'
import { CloseCode } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { lacks } from '@wsrelay/test-kit/tools'
import {
  RawConnection,
  startEchoServer,
  startTcpServer,
  type TestTcpServer,
} from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import type { RelayOptions } from '../settings/relay-options.js'
import {
  closed,
  openWebSocket,
  readBytes,
  readToEnd,
} from '../test-support/sockets.js'
import { captureLogs, startBlackholeListener } from '../test-support/streams.js'
import { createHarness } from '../test-support/harness.js'

const { track, startRelay: startRelayWith } = createHarness()
const startRelay = (port: number, options: Partial<RelayOptions> = {}) =>
  startRelayWith({ target: `127.0.0.1:${port}`, ...options })

async function echoOnce(
  url: string,
  text: string,
  options?: { localAddress?: string },
) {
  const ws = await openWebSocket(url, undefined, options)
  ws.send(text)
  expect((await readBytes(ws, text.length)).toString()).toBe(text)
  return ws
}

describe('a browser that goes away', () => {
  it('frees the TCP connection at once when its socket is destroyed without a close frame', async () => {
    const target: TestTcpServer = await track(startTcpServer())
    const { port } = await startRelay(target.port)
    const peer = await RawConnection.open(port)
    expect(peer.head?.status).toBe(101)
    const upstream = await target.nextSocket()
    const ended = readToEnd(upstream)

    peer.destroy()
    await ended // the relay sent FIN
  })

  it('frees the TCP connection within the pong deadline when it goes silent', async () => {
    const target = await track(startTcpServer())
    const { logger, lines } = captureLogs()
    const { port } = await startRelay(target.port, {
      pingInterval: 50,
      pongTimeout: 100,
      logger,
    })
    const peer = await RawConnection.open(port)
    expect(peer.head?.status).toBe(101)
    peer.socket.pause() // never reads the ping, never answers: a pulled cable
    const upstream = await target.nextSocket()
    const started = Date.now()

    await readToEnd(upstream)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'connection closed',
        closeCode: CloseCode.PEER_UNRESPONSIVE,
        by: 'relay',
      }),
    )
    peer.destroy()
  })

  it('keeps a browser that answers pings', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay(echo.port, {
      pingInterval: 20,
      pongTimeout: 50,
    })
    const ws = await openWebSocket(url)
    // Several ping rounds pass: wait for them as events, then the pipe still works.
    for (let i = 0; i < 5; i++) await once(ws, 'ping')
    ws.send('still here')
    expect((await readBytes(ws, 10)).toString()).toBe('still here')
    ws.close()
  })
})

describe('targets that fail', () => {
  it('closes with 4003 when the target never answers the SYN, and keeps serving', async ({
    skip,
  }) => {
    skip(lacks('python3'))
    const blackhole = await track(startBlackholeListener())
    const { url } = await startRelay(blackhole.port, { connectTimeout: 300 })
    for (let i = 0; i < 2; i++) {
      expect(await closed(new WebSocket(url))).toEqual({
        code: CloseCode.TARGET_TIMEOUT,
        reason: `TCP target 127.0.0.1:${blackhole.port} did not answer within 300 ms.`,
      })
    }
  })
})

describe('timeouts', () => {
  it('closes with 4100 after the idle timeout and ends the TCP side', async () => {
    const target = await track(startTcpServer())
    const { url } = await startRelay(target.port, { idleTimeout: 150 })
    const ws = await openWebSocket(url)
    const upstream = await target.nextSocket()
    const ended = readToEnd(upstream)
    expect(await closed(ws)).toEqual({
      code: CloseCode.IDLE_TIMEOUT,
      reason: 'No data either way for 150 ms.',
    })
    await ended
  })

  it('answers 408 to an upgrade request that does not arrive in time', async () => {
    const { port } = await startRelay(9, { handshakeTimeout: 200 })
    const socket = net.connect(port, '127.0.0.1')
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n') // and never finishes
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    await once(socket, 'close')
    expect(Buffer.concat(chunks).toString()).toMatch(
      /^HTTP\/1\.1 408 Request Timeout\r\n/,
    )
  })
})

describe('connection limits', () => {
  it('closes connections over the global limit with 1013, and serves the others', async () => {
    const echo = await track(startEchoServer())
    const { relay, url } = await startRelay(echo.port, { maxConnections: 2 })
    const a = await echoOnce(url, 'a')
    const b = await echoOnce(url, 'b')

    expect(await closed(new WebSocket(url))).toEqual({
      code: CloseCode.RELAY_OVERLOADED,
      reason: 'Relay is at its limit of 2 connections. Try again later.',
    })
    a.send('a again')
    expect((await readBytes(a, 7)).toString()).toBe('a again')
    b.close()
    await closed(b)
    // A freed place can be taken again.
    await expect.poll(() => relay.stats().connections).toBe(1)
    await echoOnce(url, 'c')
  })

  it('limits connections per client IP, leaving other IPs unaffected', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay(echo.port, { maxConnectionsPerIp: 1 })
    await echoOnce(url, 'first')

    expect(await closed(new WebSocket(url))).toEqual({
      code: CloseCode.RELAY_OVERLOADED,
      reason: 'Too many connections from 127.0.0.1 (limit 1). Try again later.',
    })
    // Another loopback address is another client.
    await echoOnce(url, 'other ip', { localAddress: '127.0.0.2' })
  })

  it('accepts 1,000 simultaneous connections, and every one echoes', async () => {
    const COUNT = 1000
    const echo = await track(startEchoServer())
    const { relay, url } = await startRelay(echo.port)
    const sockets = await Promise.all(
      Array.from({ length: COUNT }, async (_, i) => {
        const ws = await openWebSocket(url)
        const text = `conn ${i}`
        ws.send(text)
        expect((await readBytes(ws, text.length)).toString()).toBe(text)
        return ws
      }),
    )
    expect(relay.stats().connections).toBe(COUNT)
    await Promise.all(
      sockets.map((ws) => {
        const c = closed(ws)
        ws.close()
        return c
      }),
    )
  }, 60_000)
})
