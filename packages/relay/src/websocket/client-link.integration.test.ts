import { setTimeout as delay } from 'node:timers/promises'
import { SUBPROTOCOL_BINARY } from '@wsrelay/protocol'
import { encodeFrame, Opcode, RawConnection } from '@wsrelay/test-kit'
import { describe, expect, it, vi } from 'vitest'
import type { ConnectionCloseEvent } from '../connection/close-record.js'
import { createHarness } from '../test-support/harness.js'

// The browser's side under the relay's own frame layer: what a client that
// misbehaves around the closing handshake, or a target that trickles, can
// make the relay hold. Each case failed before its fix.

const { defer, startRelay, tcpServer } = createHarness()
const MiB = 1024 * 1024
const HIGH_WATER_MARK = 512 * 1024

/** Resolves with the next `connection-close` event of `relay`. */
const nextClose = (relay: {
  on(event: 'connection-close', fn: (e: ConnectionCloseEvent) => void): void
}) =>
  new Promise<ConnectionCloseEvent>((resolve) =>
    relay.on('connection-close', resolve),
  )

describe('the client link', () => {
  it('cuts a browser that sends FIN without a close frame and never reads what is queued for it, after the close timeout', async () => {
    // The target sends more than the socket buffers hold; the browser reads none of it.
    const target = await tcpServer((socket) => {
      socket.write(Buffer.alloc(8 * MiB, 1))
    })
    const { relay, port } = await startRelay({
      target: `127.0.0.1:${target.port}`,
      drainTimeout: 1000,
      pingInterval: 0,
    })
    const closed = nextClose(relay)
    const conn = await RawConnection.open(port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    defer(() => conn.destroy())
    conn.socket.pause()
    await vi.waitFor(
      () => expect(relay.stats().bufferedBytes).toBeGreaterThan(0),
      { timeout: 5000, interval: 5 },
    )
    const finAt = Date.now()
    conn.socket.end()
    const event = await closed
    // Within the close timeout (1 s) and a margin, not whenever the client leaves.
    expect(Date.now() - finAt).toBeLessThan(3000)
    expect(event.closeCode).toBe(1006)
    expect(relay.stats().connections).toBe(0)
  })

  it('keeps backpressure while closing: a browser that floods and never answers the close fills no more than the high-water mark', async () => {
    // A target that never reads.
    const target = await tcpServer((socket) => socket.pause())
    const { relay, port } = await startRelay({
      target: `127.0.0.1:${target.port}`,
      highWaterMark: HIGH_WATER_MARK,
      drainTimeout: 3000,
      pingInterval: 0,
      stallTimeout: 0,
    })
    const conn = await RawConnection.open(port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    defer(() => conn.destroy())
    await target.nextSocket()
    const frame = encodeFrame({
      opcode: Opcode.BINARY,
      payload: Buffer.alloc(60_000),
    })
    const closing = relay.close() // 1001 to the browser, which never answers
    let peak = 0
    const started = Date.now()
    // Bounded: 2 s, and at most 1 MiB waiting in our own socket.
    while (Date.now() - started < 2000) {
      if (conn.socket.writableLength < MiB) conn.socket.write(frame)
      peak = Math.max(peak, relay.stats().bufferedBytes)
      await delay(1)
    }
    conn.destroy()
    await closing
    // The mark, plus one socket read and one frame in flight; before the fix it reached the whole budget (128 MiB).
    expect(peak).toBeLessThan(HIGH_WATER_MARK + 256 * 1024)
  })

  it('pins no read buffer per queued chunk: a target trickling small writes to a browser that does not read costs about what it sent', async () => {
    const target = await tcpServer((socket) => socket.setNoDelay(true))
    const { relay, port } = await startRelay({
      target: `127.0.0.1:${target.port}`,
      pingInterval: 0,
      stallTimeout: 0,
    })
    const conn = await RawConnection.open(port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    defer(() => conn.destroy())
    conn.socket.pause()
    const socket = await target.nextSocket()
    // A burst first, so the link's reads grow to their largest (64 KiB) and the browser's side backs up.
    while (relay.stats().bufferedBytes === 0) {
      socket.write(Buffer.alloc(64 * 1024, 7))
      await delay(5)
    }
    const before = process.memoryUsage().arrayBuffers
    const queuedBefore = relay.stats().bufferedBytes
    // Then 200-byte writes, 1 ms apart: each one read on its own (bounded: 3 s, 1,500 writes).
    let sent = 0
    const started = Date.now()
    while (Date.now() - started < 3000 && sent < 1500 * 200) {
      socket.write(Buffer.alloc(200, 9))
      sent += 200
      await delay(1)
    }
    await vi.waitFor(
      () =>
        expect(
          relay.stats().bufferedBytes - queuedBefore,
        ).toBeGreaterThanOrEqual(sent * 0.9),
      { timeout: 3000, interval: 5 },
    )
    const grew = process.memoryUsage().arrayBuffers - before
    // About 300 KB arrived; a 64 KiB buffer pinned per chunk would be 90 MiB.
    expect(grew).toBeLessThan(16 * MiB)
  })
})
