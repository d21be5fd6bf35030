import { once } from 'node:events'
import type net from 'node:net'
import { CloseCode, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import {
  encodeFrame,
  Opcode,
  RawConnection,
  startTcpServer,
} from '@wsrelay/test-kit'
import { describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import type { RelayOptions } from '../settings/relay-options.js'
import {
  ChunkWriter,
  EDGE_CHUNK_SIZES,
  hashIncoming,
  hashUntilClose,
  sendChunks,
} from '../test-support/streams.js'
import { createHarness } from '../test-support/harness.js'

const MiB = 1024 * 1024
const { echoServer, track, startRelay: startRelayWith } = createHarness()
const startRelay = (port: number, options: Partial<RelayOptions> = {}) =>
  startRelayWith({ target: `127.0.0.1:${port}`, ...options })
const startTarget = (onSocket: Parameters<typeof startTcpServer>[0]) =>
  track(startTcpServer(onSocket))

/** A ws client that does not read until told to (paused as soon as it opens). */
async function openPaused(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.pause()
      resolve()
    })
    ws.once('error', reject)
  })
  return ws
}

describe('relay streams', () => {
  it('moves 64 MiB each way at once in 1 B to 256 KiB chunks, SHA-256 equal', async () => {
    const SIZE = 64 * MiB
    let resolveTarget: (r: {
      up: { sha256: string; length: number }
      down: string
    }) => void = () => undefined
    const targetResult = new Promise<{
      up: { sha256: string; length: number }
      down: string
    }>((resolve) => (resolveTarget = resolve))
    const target = await startTarget((socket) => {
      const writer = new ChunkWriter(socket, SIZE, EDGE_CHUNK_SIZES)
      void Promise.all([hashIncoming(socket, SIZE), writer.run()]).then(
        ([up, down]) => {
          resolveTarget({ up, down })
          socket.end() // both directions complete: now the target closes
        },
      )
    })
    const { url } = await startRelay(target.port)
    const ws = new WebSocket(url, 'binary')
    const received = hashUntilClose(ws)
    await new Promise((resolve) => ws.once('open', resolve))

    const sentUp = await sendChunks(ws, SIZE, EDGE_CHUNK_SIZES)
    const [browser, result] = await Promise.all([received, targetResult])

    expect(result.up).toEqual({ sha256: sentUp, length: SIZE })
    expect({ sha256: browser.sha256, length: browser.length }).toEqual({
      sha256: result.down,
      length: SIZE,
    })
    expect(browser.code).toBe(CloseCode.NORMAL_CLOSURE)
  }, 120_000)

  it('delivers all 8 MiB a target sends before closing at once, to a reader that holds off (20 rounds)', async () => {
    const SIZE = 8 * MiB
    let expected = ''
    const target = await startTarget((socket) => {
      const writer = new ChunkWriter(socket, SIZE, [SIZE])
      void writer.run().then((sha) => {
        expected = sha
        socket.end() // FIN right behind the last byte
      })
    })

    for (let round = 0; round < 20; round++) {
      const { relay, url } = await startRelay(target.port)
      const ws = await openPaused(url)
      const received = hashUntilClose(ws)
      // The race that loses data elsewhere: the relay holds bytes (it has had
      // to stop reading the target) when the FIN comes.
      await vi.waitFor(() =>
        expect(relay.stats().targetPauses).toBeGreaterThan(0),
      )
      ws.resume()
      const result = await received
      expect({ round, length: result.length, sha256: result.sha256 }).toEqual({
        round,
        length: SIZE,
        sha256: expected,
      })
      expect(result.code).toBe(CloseCode.NORMAL_CLOSURE)
      await relay.close()
    }
  }, 120_000)

  it('throttles a flooding target while the browser reads slowly, holding at most the high-water mark', async () => {
    const FLOOD = 256 * MiB
    const HIGH_WATER = 256 * 1024
    const MAX_READ = 64 * 1024 // one TCP read may land on top of the mark
    let writer: ChunkWriter | undefined
    let expected: Promise<string> | undefined
    const target = await startTarget((socket) => {
      writer = new ChunkWriter(socket, FLOOD, [64 * 1024])
      expected = writer.run().then((sha) => {
        socket.end()
        return sha
      })
    })
    const { relay, url } = await startRelay(target.port, {
      highWaterMark: HIGH_WATER,
    })
    const ws = await openPaused(url)
    const received = hashUntilClose(ws)

    // The relay paused the target and the target's writes back up.
    await vi.waitFor(() => {
      expect(relay.stats().targetPauses).toBeGreaterThan(0)
      expect(writer?.isBlocked).toBe(true)
    })
    const held = relay.stats()
    expect(held.bufferedBytes).toBeLessThanOrEqual(HIGH_WATER + MAX_READ)
    expect(held.peakPendingToClient).toBeLessThanOrEqual(HIGH_WATER + MAX_READ)
    // Throttled: kernel buffers plus the mark hold a few MiB, not the flood.
    expect(writer?.isFinished).toBe(false)
    expect(writer?.written).toBeLessThan(64 * MiB)

    ws.resume()
    const result = await received
    expect(result.length).toBe(FLOOD)
    expect(result.sha256).toBe(await expected)
  }, 120_000)

  it('pauses a fast browser while the target reads slowly, holding at most the high-water mark', async () => {
    const SIZE = 64 * MiB
    const HIGH_WATER = 256 * 1024
    const MESSAGE = 64 * 1024
    let upstream: net.Socket | undefined
    const target = await startTarget((socket) => {
      upstream = socket
      socket.pause() // a target that does not read yet
    })
    const { relay, url } = await startRelay(target.port, {
      highWaterMark: HIGH_WATER,
    })
    const ws = new WebSocket(url)
    await new Promise((resolve) => ws.once('open', resolve))
    const sent = sendChunks(ws, SIZE, [MESSAGE])

    await vi.waitFor(() =>
      expect(relay.stats().clientPauses).toBeGreaterThan(0),
    )
    // Bounded: the mark plus one message, not the 64 MiB the browser wants to send.
    expect(relay.stats().peakPendingToTarget).toBeLessThanOrEqual(
      HIGH_WATER + MESSAGE,
    )
    // Plus what ws has read but not yet parsed: at most one socket read (64 KiB).
    expect(relay.stats().bufferedBytes).toBeLessThanOrEqual(
      HIGH_WATER + MESSAGE + 64 * 1024,
    )

    const socket = upstream as net.Socket
    const arrived = hashIncoming(socket, SIZE)
    socket.resume()
    expect(await arrived).toEqual({ sha256: await sent, length: SIZE })
    ws.close()
  }, 60_000)

  it('writes every byte a browser sent before closing to a slow target, then FIN', async () => {
    const SIZE = 32 * MiB
    let upstream: net.Socket | undefined
    const target = await startTarget((socket) => {
      upstream = socket
      socket.pause()
    })
    const { relay, url } = await startRelay(target.port, {
      highWaterMark: 256 * 1024,
    })
    const ws = new WebSocket(url)
    await new Promise((resolve) => ws.once('open', resolve))
    const sent = sendChunks(ws, SIZE, EDGE_CHUNK_SIZES)
    await vi.waitFor(() =>
      expect(relay.stats().clientPauses).toBeGreaterThan(0),
    )
    const closing = new Promise((resolve) => ws.once('close', resolve))
    void sent.then(() => ws.close(1000, 'done sending'))

    const socket = upstream as net.Socket
    const arrived = hashIncoming(socket) // until FIN
    socket.resume()
    expect(await arrived).toEqual({ sha256: await sent, length: SIZE })
    await closing
  }, 60_000)
})

describe('what a wsrelay.v1 client can make the relay hold', () => {
  it('stops reading a client that sends pings and never reads the pongs', async () => {
    const HWM = 64 * 1024
    const echo = await echoServer()
    const { relay, port } = await startRelay(echo.port, { highWaterMark: HWM })
    const conn = await RawConnection.open(port, { protocols: [SUBPROTOCOL_V1] })
    conn.sendText('{"type":"open"}')
    conn.socket.pause() // never reads
    const ping = encodeFrame({
      opcode: Opcode.TEXT,
      payload: '{"type":"ping","id":1,"ts":1}',
    })
    const burst = Buffer.concat(new Array<Buffer>(2000).fill(ping))
    // Pings until the relay stops reading us (kernel buffers absorb the first
    // few MB of pongs); bounded at 64 MB.
    let sent = 0
    while (relay.stats().clientPauses === 0 && sent < 64 * MiB) {
      if (!conn.write(burst)) {
        // Either the relay reads on, or it has paused us: both end the wait.
        await Promise.race([
          once(conn.socket, 'drain'),
          vi.waitFor(
            () => expect(relay.stats().clientPauses).toBeGreaterThan(0),
            { timeout: 30_000 },
          ),
        ])
      }
      sent += burst.length
    }
    await vi.waitFor(() =>
      expect(relay.stats().clientPauses).toBeGreaterThan(0),
    )
    // Pongs held: the mark plus what one read produced, not the flood.
    expect(relay.stats().bufferedBytes).toBeLessThan(4 * HWM + 256 * 1024)
    conn.destroy()
  })

  it('holds data pushed while the target is resolved to the mark, then delivers all of it', async () => {
    const HWM = 64 * 1024
    let answer: (a: { address: string; family: number }[]) => void = () =>
      undefined
    const echo = await echoServer()
    const { relay, url } = await startRelayWith({
      allow: [`127.0.0.1/32:${echo.port}`],
      highWaterMark: HWM,
      resolveHost: () => new Promise((resolve) => (answer = resolve)),
    })
    const ws = new WebSocket(url, SUBPROTOCOL_V1)
    await once(ws, 'open')
    ws.send(
      JSON.stringify({ type: 'open', host: 'slow.example', port: echo.port }),
    )
    const chunk = Buffer.alloc(16 * 1024, 1)
    for (let i = 0; i < 1024; i++) ws.send(chunk) // 16 MiB queued at the client
    await vi.waitFor(() =>
      expect(relay.stats().clientPauses).toBeGreaterThan(0),
    )
    expect(relay.stats().bufferedBytes).toBeLessThan(HWM + 256 * 1024)
    answer([{ address: '127.0.0.1', family: 4 }])
    let got = 0
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) got += data.length
    })
    await vi.waitFor(() => expect(got).toBe(16 * MiB), { timeout: 20_000 })
    ws.close()
  }, 30_000)
})
