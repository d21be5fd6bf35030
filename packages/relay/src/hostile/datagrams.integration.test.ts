import {
  CloseCode,
  SUBPROTOCOL_BINARY,
  SUBPROTOCOL_V1,
} from '@wsrelay/protocol'
import {
  echoProblem,
  httpRequest,
  MiB,
  RawConnection,
  type Ending,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'
import { describe, expect, it } from 'vitest'

// UDP targets against the real CLI, as a stranger would reach them: a flood
// at a page that does not read, and `open` messages and rules that try to
// reach what they should not.

const { echoServer, relayProcess, udpServer, udpEchoServer } = createHarness()

/** RSS may grow this much over its baseline under a flood, and no more (as for TCP floods). */
const MAX_GROWTH_BYTES = 64 * MiB

/** A counter from the relay's /metrics, summed over its labels. */
async function metric(port: number, name: string): Promise<number> {
  const text = (await httpRequest(port, '/metrics')).body.toString()
  let sum = 0
  for (const [, value] of text.matchAll(
    new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'gm'),
  ))
    sum += Number(value)
  return sum
}

/** Sends a v1 open and waits for what answers it: `connected`, or the close. */
async function openV1(
  port: number,
  open: Record<string, unknown>,
): Promise<RawConnection> {
  const conn = await RawConnection.open(
    port,
    { protocols: [SUBPROTOCOL_V1] },
    5000,
    { replyToClose: true },
  )
  conn.sendText(JSON.stringify({ type: 'open', ...open }))
  await conn.waitFor(
    () =>
      conn.ending !== undefined ||
      conn.controlMessages().some((m) => m.type === 'connected'),
    5000,
    'connected or a close',
  )
  return conn
}

const closeOf = (ending: Ending | undefined) =>
  ending?.kind === 'close'
    ? { code: ending.code, reason: ending.reason }
    : ending

describe('a UDP target flooding a page that never reads', () => {
  it('keeps RSS bounded and counts every datagram it drops', async () => {
    const echo = await echoServer()
    const target = await udpServer()
    const relay = await relayProcess([
      '--metrics',
      '--route',
      `game=udp:127.0.0.1:${target.port}`,
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    const conn = await RawConnection.open(relay.port, {
      path: '/game',
      protocols: [SUBPROTOCOL_BINARY],
    })
    conn.sendBinary(Buffer.from('hello'))
    const { from } = await target.nextDatagram() // the relay's socket for this page
    conn.socket.pause() // the page never reads again

    const DATAGRAM_BYTES = 1024
    const baseline = relay.rssBytes()
    let peak = baseline
    const flood = await target.flood(
      from.port,
      Buffer.alloc(DATAGRAM_BYTES, 0x61),
      256 * 1024, // 256 MiB
      20_000,
      () => {
        peak = Math.max(peak, relay.rssBytes())
      },
    )
    peak = Math.max(peak, relay.rssBytes())
    const dropped = await metric(relay.port, 'wsrelay_datagrams_dropped_total')
    const relayed = await metric(relay.port, 'wsrelay_bytes_total')
    const said = `RSS ${(baseline / MiB).toFixed(1)} -> ${(peak / MiB).toFixed(1)} MiB; ${flood.sent} datagrams of ${DATAGRAM_BYTES} B sent in ${flood.elapsedMs} ms; the relay dropped ${dropped} and relayed ${relayed - 5} B toward the page; the kernel dropped the rest`
    if (process.env.WSRELAY_REPORT) console.log(said)

    expect(relay.isAlive(), relay.stderr()).toBe(true)
    expect(peak - baseline, said).toBeLessThan(MAX_GROWTH_BYTES)
    expect(flood.sent, said).toBeGreaterThan(64 * 1024)
    // The relay read datagrams it could not hand on, and said so.
    expect(dropped, said).toBeGreaterThan(0)
    // Every other session is served as before.
    expect(await echoProblem(relay.port)).toBeUndefined()
    conn.destroy()
  }, 60_000)
})

describe('UDP targets: rules, special ranges and policy, from outside', () => {
  it('keeps loopback and metadata shut to a broad udp: rule, and opens only what a rule names', async () => {
    const target = await udpEchoServer()
    const relay = await relayProcess([
      '--allow',
      'udp:*:*',
      '--allow',
      `udp:127.0.0.1/32:${target.port}`,
      '127.0.0.1:0',
    ])
    for (const host of ['127.0.0.2', '169.254.169.254', '::1', '10.0.0.1']) {
      const conn = await openV1(relay.port, {
        host,
        port: 53,
        transport: 'udp',
      })
      expect(closeOf(conn.ending), host).toEqual({
        code: CloseCode.TARGET_NOT_ALLOWED,
        reason: `UDP target ${host.includes(':') ? `[${host}]` : host}:53 is not allowed by this relay.`,
      })
    }
    const named = await openV1(relay.port, {
      host: '127.0.0.1',
      port: target.port,
      transport: 'udp',
    })
    expect(named.controlMessages()).toContainEqual({
      type: 'connected',
      host: '127.0.0.1',
      port: target.port,
      address: '127.0.0.1',
      transport: 'udp',
    })
    named.sendBinary(Buffer.from('ping'))
    await named.waitFor(() => named.binaryBytes().length === 4, 5000, 'echo')
    named.destroy()
  })

  it('never lets a TCP rule open UDP, nor a UDP rule open TCP', async () => {
    const target = await udpEchoServer()
    const tcp = await echoServer()
    const tcpRuleOnly = await relayProcess([
      '--allow',
      `127.0.0.1/32:${target.port}`,
      '127.0.0.1:0',
    ])
    const asUdp = await openV1(tcpRuleOnly.port, {
      host: '127.0.0.1',
      port: target.port,
      transport: 'udp',
    })
    expect(closeOf(asUdp.ending)).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: 'This relay does not allow client-chosen UDP targets.',
    })
    expect(target.received).toHaveLength(0)

    const udpRuleOnly = await relayProcess([
      '--allow',
      `udp:127.0.0.1/32:${tcp.port}`,
      '127.0.0.1:0',
    ])
    const asTcp = await openV1(udpRuleOnly.port, {
      host: '127.0.0.1',
      port: tcp.port,
    })
    expect(closeOf(asTcp.ending)).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: 'This relay does not allow client-chosen TCP targets.',
    })
    expect(tcp.accepted()).toBe(0)
  })

  it.each([
    ['{"type":"open","route":"game","transport":"UDP"}'],
    ['{"type":"open","transport":{"udp":true}}'],
    ['{"type":"open","host":"127.0.0.1","port":9,"transport":"quic"}'],
  ])('closes 1008 for %s, before any datagram', async (text) => {
    const target = await udpServer()
    const relay = await relayProcess([
      '--route',
      `game=udp:127.0.0.1:${target.port}`,
      '127.0.0.1:0',
    ])
    const conn = await RawConnection.open(
      relay.port,
      { protocols: [SUBPROTOCOL_V1] },
      5000,
      { replyToClose: true },
    )
    conn.sendText(text)
    expect(closeOf(await conn.waitForEnd(5000))).toMatchObject({
      code: CloseCode.POLICY_VIOLATION,
    })
    expect(target.received).toHaveLength(0)
  })

  it('applies the per-IP limit and the Origin policy to UDP sessions before any socket opens', async () => {
    const target = await udpServer()
    const relay = await relayProcess([
      '--max-connections-per-ip',
      '1',
      '--route',
      `game=udp:127.0.0.1:${target.port}`,
      '127.0.0.1:0',
    ])
    const first = await RawConnection.open(relay.port, {
      path: '/game',
      protocols: [SUBPROTOCOL_BINARY],
    })
    first.sendBinary(Buffer.from('one'))
    await target.nextDatagram()
    const second = await RawConnection.open(
      relay.port,
      { path: '/game', protocols: [SUBPROTOCOL_BINARY] },
      5000,
      { replyToClose: true },
    )
    second.sendBinary(Buffer.from('two'))
    expect(closeOf(await second.waitForEnd(5000))).toMatchObject({
      code: CloseCode.RELAY_OVERLOADED,
    })
    const foreign = await RawConnection.open(
      relay.port,
      {
        path: '/game',
        protocols: [SUBPROTOCOL_BINARY],
        origin: 'https://evil.example',
      },
      5000,
      { replyToClose: true },
    )
    foreign.sendBinary(Buffer.from('three'))
    expect(closeOf(await foreign.waitForEnd(5000))).toMatchObject({
      code: CloseCode.ORIGIN_NOT_ALLOWED,
    })
    expect(target.received.map((d) => d.bytes.toString())).toEqual(['one'])
    first.destroy()
  })
})
