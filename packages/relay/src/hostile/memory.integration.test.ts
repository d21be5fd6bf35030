import { SUBPROTOCOL_BINARY, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { lacks } from '@wsrelay/test-kit/tools'
import {
  echoProblem,
  encodeFrame,
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

const { echoServer, relayProcess, track } = createHarness()

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
  // Known gap, left open (see the issue 7 note): the budget pauses every
  // stalled sender (relay.stats() shows held bytes at budget + one 64 KiB read
  // per connection), but RSS grows ~190 MiB for 500 senders, because each
  // socket read retains a whole 64 KiB allocation. Skipped until the relay
  // reads into a pooled buffer or sheds sooner.
  it.skip('keeps RSS bounded when 500 clients each stall a 1 MiB message (--memory-budget 32 MiB)', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--memory-budget',
      String(32 * MiB),
      '--max-message-size',
      String(2 * MiB),
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    const CLIENTS = 500
    const MESSAGE = 1 * MiB
    const baseline = relay.rssBytes()
    let peak = baseline
    const conns: RawConnection[] = []
    for (let i = 0; i < CLIENTS; i++) {
      const conn = await RawConnection.open(relay.port, {
        protocols: [SUBPROTOCOL_BINARY],
      })
      conns.push(conn)
      // The header of a 1 MiB message whose last byte never comes.
      conn.write(
        encodeFrame({
          opcode: Opcode.BINARY,
          payload: Buffer.alloc(0),
          declaredLength: BigInt(MESSAGE),
          lengthForm: '64',
        }).subarray(0, 14),
      )
    }
    // encodeFrame masks; a 64-bit header plus key is 14 bytes. The payload need not be masked
    // correctly: the relay buffers it before it can tell.
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    const started = Date.now()
    await Promise.all(
      conns.map((conn) =>
        pump(
          conn,
          chunk,
          MESSAGE - chunk.length,
          25_000 - (Date.now() - started),
          () => {
            peak = Math.max(peak, relay.rssBytes())
          },
        ),
      ),
    )
    peak = Math.max(peak, relay.rssBytes())
    for (const conn of conns) conn.destroy()

    expect(relay.isAlive(), relay.stderr()).toBe(true)
    expect(
      peak - baseline,
      `RSS ${(baseline / MiB) | 0} -> ${(peak / MiB) | 0} MiB`,
    ).toBeLessThan(32 * MiB + MAX_GROWTH_BYTES)
  }, 60_000)
})
