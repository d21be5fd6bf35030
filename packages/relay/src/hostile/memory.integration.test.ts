import { SUBPROTOCOL_BINARY, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { lacks } from '@wsrelay/test-kit/tools'
import {
  echoProblem,
  encodeFrame,
  httpRequest,
  MiB,
  Opcode,
  pump,
  RawConnection,
  startStuckTarget,
  type RelayProcess,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'

// Issue 7, "Memory without bound" and the whole-relay budget (integration:
// each test pushes tens to hundreds of MiB through a real relay process).

const { defer, echoServer, relayProcess, track } = createHarness()

/** RSS may grow this much over its baseline under a flood, and no more. */
const MAX_GROWTH_BYTES = 64 * MiB

/**
 * Pumps `chunk` through `conn` until `totalBytes` or `deadlineMs`, watching
 * the relay's RSS, then drops the connection: how much RSS grew, and a line
 * saying so for a failed assertion.
 */
async function rssGrowthUnder(
  relay: RelayProcess,
  conn: RawConnection,
  chunk: Buffer,
  totalBytes: number,
  deadlineMs: number,
  what: string,
) {
  const baseline = relay.rssBytes()
  let peak = baseline
  const result = await pump(conn, chunk, totalBytes, deadlineMs, () => {
    peak = Math.max(peak, relay.rssBytes())
  })
  peak = Math.max(peak, relay.rssBytes())
  conn.destroy()
  return {
    growth: peak - baseline,
    sentBytes: result.sentBytes,
    said: `RSS ${(baseline / MiB) | 0} -> ${(peak / MiB) | 0} MiB after ${(result.sentBytes / MiB) | 0} MiB of ${what}`,
  }
}

describe('a relay under a flood from one client', () => {
  it('keeps RSS bounded when a wsrelay.v1 client sends 100 MiB of pings and never reads', async () => {
    const echo = await echoServer()
    const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const conn = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_V1],
    })
    conn.sendText(JSON.stringify({ type: 'open' }))
    await conn.waitFor(
      () => conn.controlMessages().some((m) => m.type === 'connected'),
      5000,
      'connected',
    )
    conn.socket.pause() // never read a pong again

    const ping = encodeFrame({
      opcode: Opcode.TEXT,
      payload: '{"type":"ping","id":1,"ts":0}',
    })
    const batch = Buffer.concat(Array.from({ length: 2000 }, () => ping))
    const flood = await rssGrowthUnder(
      relay,
      conn,
      batch,
      100 * MiB,
      20_000,
      'pings',
    )

    expect(relay.isAlive(), relay.stderr()).toBe(true)
    expect(flood.growth, flood.said).toBeLessThan(MAX_GROWTH_BYTES)
    expect(await echoProblem(relay.port)).toBeUndefined()
  }, 40_000)

  it.skipIf(lacks('python3')).each([
    ['a wsrelay.v1 client after open', 'v1'],
    ['a wsrelay.v1 client after an open naming host and port', 'v1-host'],
    ['a raw client', 'raw'],
  ] as const)(
    'keeps RSS bounded when %s pushes data while its target is still connecting',
    async (_who, mode) => {
      const stuck = await track(startStuckTarget())
      const relay = await relayProcess([
        '--connect-timeout',
        '30000',
        ...(mode === 'v1-host'
          ? ['--allow', `127.0.0.1/32:${stuck.port}`]
          : []),
        '127.0.0.1:0',
        `127.0.0.1:${stuck.port}`,
      ])
      const conn = await RawConnection.open(relay.port, {
        protocols: [mode === 'raw' ? SUBPROTOCOL_BINARY : SUBPROTOCOL_V1],
      })
      if (mode === 'v1') conn.sendText(JSON.stringify({ type: 'open' }))
      if (mode === 'v1-host')
        conn.sendText(
          JSON.stringify({ type: 'open', host: '127.0.0.1', port: stuck.port }),
        )

      const data = encodeFrame({
        opcode: Opcode.BINARY,
        payload: Buffer.alloc(60_000, 0x61),
      })
      const flood = await rssGrowthUnder(
        relay,
        conn,
        data,
        200 * MiB,
        6_000,
        'early data',
      )

      expect(relay.isAlive(), relay.stderr()).toBe(true)
      expect(flood.growth, flood.said).toBeLessThan(MAX_GROWTH_BYTES)
      expect(
        flood.sentBytes,
        'the relay stopped reading, or closed with a code',
      ).toBeGreaterThan(0)
    },
    40_000,
  )
})

describe('the whole-relay memory budget', () => {
  it('holds no more than the budget when 500 clients each send 1 MiB - 1 byte of a 1 MiB message (default 128 MiB)', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--metrics',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    const BUDGET = 128 * MiB
    const CLIENTS = 500
    const MESSAGE = 1 * MiB
    const baseline = relay.rssBytes()
    let peakRss = baseline
    let peakHeld = 0
    const sample = async (): Promise<void> => {
      const text = (await httpRequest(relay.port, '/metrics')).body.toString()
      const held = Number(/^wsrelay_buffered_bytes (\d+)$/m.exec(text)?.[1])
      peakHeld = Math.max(peakHeld, held)
      peakRss = Math.max(peakRss, relay.rssBytes())
    }
    const conns = await Promise.all(
      Array.from({ length: CLIENTS }, () =>
        RawConnection.open(relay.port, { protocols: [SUBPROTOCOL_BINARY] }),
      ),
    )
    for (const conn of conns) defer(() => conn.destroy())
    // The head of a 1 MiB binary frame; the payload need not be masked
    // correctly: the relay holds it before it can tell.
    const head = encodeFrame({
      opcode: Opcode.BINARY,
      declaredLength: BigInt(MESSAGE),
      lengthForm: '64',
    })
    for (const conn of conns) conn.write(head)
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    const last = Buffer.alloc(64 * 1024 - 1, 0x61)
    let isSending = true
    const sampling = (async () => {
      while (isSending) {
        await sample()
        await new Promise<void>((r) => setTimeout(r, 100))
      }
    })()
    await Promise.all(
      conns.map(async (conn) => {
        await pump(conn, chunk, MESSAGE - chunk.length, 12_000)
        conn.write(last)
      }),
    )
    isSending = false
    await sampling
    await sample()
    const text = (await httpRequest(relay.port, '/metrics')).body.toString()
    const peakSeen = Number(
      /^wsrelay_buffered_bytes_peak (\d+)$/m.exec(text)?.[1],
    )
    peakHeld = Math.max(peakHeld, peakSeen)
    console.log(
      `500 x (1 MiB - 1): peak held ${(peakHeld / MiB).toFixed(1)} MiB (budget 128 MiB), RSS ${(baseline / MiB).toFixed(0)} -> ${(peakRss / MiB).toFixed(0)} MiB`,
    )
    expect(relay.isAlive(), relay.stderr()).toBe(true)
    // Within the budget, plus one read (64 KiB) for each connection that
    // held nothing when the budget ran out.
    expect(peakHeld).toBeLessThanOrEqual(BUDGET + CLIENTS * 64 * 1024)
    expect(peakRss - baseline).toBeLessThan(BUDGET + MAX_GROWTH_BYTES)
    for (const conn of conns) conn.destroy()
    // A light client is served at once: the budget sheds heavy waiters for it.
    expect(await echoProblem(relay.port)).toBeUndefined()
  }, 60_000)
})
