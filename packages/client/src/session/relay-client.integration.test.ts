/// <reference types="node" />
import { createEchoServer, type EchoServer } from '@wsrelay/echo-server'
import { createHarness } from '@wsrelay/test-kit/harness'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { LineSplitter } from '../readers/line-splitter.js'
import { connectRelay } from './relay-client.js'
import type { RelayClient, RelayClientEvents } from './types.js'

// The built CLI, as a user runs it (`pnpm test` builds it first), started
// the one way every test starts it; everything is closed after each test.
const { defer, relayProcess } = createHarness()

/** Starts `wsrelay [FLAGS] LISTEN TARGET` and waits for its `relay listening` log line. */
const startRelay = (
  listen: string,
  target: string,
  flags: readonly string[] = [],
) => relayProcess([...flags, listen, target])

async function startEcho(
  options: { suffix?: string; udpPort?: number } = {},
): Promise<{
  echo: EchoServer
  port: number
  udpPort: number
}> {
  const echo = createEchoServer(options)
  const { port, udpPort = 0 } = await echo.listen()
  defer(() => echo.close())
  return { echo, port, udpPort }
}

function next<K extends keyof RelayClientEvents>(
  client: RelayClient,
  type: K,
  matches: (event: RelayClientEvents[K]) => boolean = () => true,
): Promise<RelayClientEvents[K]> {
  return new Promise((resolve) => {
    const off = client.on(type, (event) => {
      if (!matches(event)) return
      off()
      resolve(event)
    })
  })
}

describe('@wsrelay/client against the real wsrelay process and echo server', () => {
  it('waits to reconnect while the relay restarts, then opens a new session on the same port', async () => {
    const { port: echoPort } = await startEcho({ suffix: ' from the server' })
    const first = await startRelay('127.0.0.1:0', `127.0.0.1:${echoPort}`)
    const client = connectRelay(first.url, {
      WebSocket,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    })
    defer(() => client.close())
    const lines = new LineSplitter()
    const received: string[] = []
    client.on('message', ({ bytes }) => received.push(...lines.push(bytes)))
    const states: string[] = []
    client.on('state', ({ to }) => states.push(to))

    await next(client, 'open')
    const echoed = (line: string) =>
      new Promise<void>((resolve) => {
        const off = client.on('message', () => {
          if (received.includes(line)) {
            off()
            resolve()
          }
        })
      })
    let reply = echoed('hello from the server')
    client.send('hello\n')
    await reply

    // SIGTERM: the relay drains and says 1001, then exits.
    const closed = next(client, 'close')
    first.child.kill('SIGTERM')
    const close = await closed
    expect([close.code, close.willReconnect]).toEqual([1001, true])
    expect(client.state).toBe('waiting-to-reconnect')
    await first.exited
    // Attempts while nothing listens fail (1006) and keep waiting.
    await next(client, 'close', ({ code }) => code === 1006)
    expect(client.state).toBe('waiting-to-reconnect')

    const reopened = next(client, 'open')
    await startRelay(`127.0.0.1:${first.port}`, `127.0.0.1:${echoPort}`)
    const open = await reopened
    expect(open.isReconnect).toBe(true)
    expect(open.session).toBeGreaterThan(2)
    expect(states.slice(0, 3)).toEqual([
      'open',
      'waiting-to-reconnect',
      'connecting',
    ])
    expect(states.at(-1)).toBe('open')
    reply = echoed('again from the server')
    client.send('again\n')
    await reply
  })

  it('streams 8 MiB with drain() without letting the send buffer grow past the threshold', async () => {
    const { port: echoPort } = await startEcho()
    const relay = await startRelay('127.0.0.1:0', `127.0.0.1:${echoPort}`)
    const sockets: WebSocket[] = []
    class TrackedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols)
        sockets.push(this)
      }
    }
    const client = connectRelay(relay.url, { WebSocket: TrackedWebSocket })
    defer(() => client.close())
    await next(client, 'open')

    const TOTAL = 8 * 1024 * 1024
    const CHUNK = 64 * 1024
    const THRESHOLD = 256 * 1024
    let echoedBytes = 0
    const allBack = new Promise<void>((resolve) =>
      client.on('message', ({ bytes }) => {
        echoedBytes += bytes.length
        if (echoedBytes >= TOTAL) resolve()
      }),
    )
    const chunk = new Uint8Array(CHUNK).fill(0x61)
    let peakBuffered = 0
    for (let sent = 0; sent < TOTAL; sent += CHUNK) {
      await client.drain(THRESHOLD)
      client.send(chunk)
      peakBuffered = Math.max(peakBuffered, sockets[0]?.bufferedAmount ?? 0)
    }
    await allBack
    expect(echoedBytes).toBe(TOTAL)
    // On a quiet machine the kernel may take every chunk at once (peak 0); the
    // bound is what a page relies on: never past the threshold plus one chunk.
    expect(peakBuffered).toBeLessThanOrEqual(THRESHOLD + CHUNK)
  })

  it('runs the README game loop over a UDP route: one message per datagram, each way', async () => {
    const { port: echoPort, udpPort } = await startEcho({ udpPort: 0 })
    const relay = await startRelay('127.0.0.1:0', `127.0.0.1:${echoPort}`, [
      '--route',
      `game=udp:127.0.0.1:${udpPort}`,
    ])
    const client = connectRelay(relay.url, { WebSocket, protocol: 'v1' })
    defer(() => client.close())
    const { description } = await client.open({
      route: 'game',
      transport: 'udp',
    })
    expect(description).toBe('route game over UDP')

    // Each tick is one 8-byte input: a sequence number and the keys held.
    const TICKS = 30
    const snapshots: number[] = []
    const allBack = new Promise<void>((resolve) =>
      client.on('message', ({ bytes }) => {
        expect(bytes.length).toBe(8) // one datagram, one message: no splitter
        const view = new DataView(bytes.buffer, bytes.byteOffset, 8)
        snapshots.push(view.getUint32(0))
        if (snapshots.length === TICKS) resolve()
      }),
    )
    for (let seq = 0; seq < TICKS; seq++) {
      const input = new DataView(new ArrayBuffer(8))
      input.setUint32(0, seq)
      input.setUint16(4, 0b101)
      client.send(new Uint8Array(input.buffer))
    }
    await allBack
    expect(snapshots).toEqual(Array.from({ length: TICKS }, (_, i) => i))
  })
})
