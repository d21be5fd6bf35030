import { execFileSync } from 'node:child_process'
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { RawConnection, startDnsStub, type DnsAnswer } from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'
import { createRelay } from '../server/create-relay.js'

// Client-chosen names against the real CLI, resolved by a DNS server on
// loopback (the relay's --dns-server): no name ever leaves the machine.

const { defer, echoServer, relayProcess, track } = createHarness()

/** A wsrelay.v1 client from `client` (sent as X-Forwarded-For to a relay that trusts 127.0.0.1). */
async function openV1(
  port: number,
  open: Record<string, unknown>,
  client = '10.9.9.9',
): Promise<RawConnection> {
  const conn = await RawConnection.open(port, {
    protocols: [SUBPROTOCOL_V1],
    headers: [`X-Forwarded-For: ${client}`],
  })
  defer(() => conn.destroy())
  expect(conn.head?.status).toBe(101)
  conn.sendText(JSON.stringify({ type: 'open', ...open }))
  return conn
}

const connectedOrClosed = (conn: RawConnection, ms: number) =>
  conn
    .waitFor(
      () =>
        conn.ending !== undefined ||
        conn.controlMessages().some((m) => m.type === 'connected'),
      ms,
      'connected or a close',
    )
    .then(() => conn.ending ?? ('connected' as const))

async function dnsRelay(
  answer: (name: string) => DnsAnswer,
  flags: readonly string[] = [],
  target?: string,
) {
  const echo = await echoServer()
  const dns = await track(startDnsStub(answer))
  const relay = await relayProcess([
    '--dns-server',
    dns.address,
    '--allow',
    `127.0.0.1/32:${echo.port}`,
    '--trust-proxy',
    '127.0.0.1/32',
    ...flags,
    '127.0.0.1:0',
    ...(target ? [target.replace('{ECHO}', String(echo.port))] : []),
  ])
  return { echo, dns, relay }
}

describe('client-chosen names', () => {
  it('connects a client of the fixed target "localhost" while 200 slow lookups are queued, before any of them is answered', async () => {
    // The slow names are answered only when the test opens the gate, so no
    // slow client can be served before the fixed one, however busy the machine.
    let openGate = (): void => undefined
    const gate = new Promise<void>((resolve) => (openGate = resolve))
    const { echo, dns, relay } = await dnsRelay(
      (name) =>
        name === 'slow.test'
          ? { addresses: ['127.0.0.1'], after: gate }
          : { kind: 'nxdomain' },
      ['--dns-timeout', '20000'],
      'localhost:{ECHO}',
    )
    const slow = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        openV1(
          relay.port,
          { host: 'slow.test', port: echo.port },
          `10.0.${i >> 8}.${i & 255}`,
        ),
      ),
    )
    // 64 lookups run (A and AAAA each), 136 wait behind them.
    await slow[0]?.waitFor(
      () => dns.questions.length >= 128,
      5000,
      'the first 64 lookups at the DNS server',
    )
    const started = performance.now()
    const fixed = await openV1(relay.port, {}, '10.1.0.1')
    expect(await connectedOrClosed(fixed, 10_000)).toBe('connected')
    const ms = performance.now() - started
    // Not one slow client has its answer yet: the fixed target waited for none of them.
    expect(
      slow.filter(
        (c) =>
          c.ending !== undefined ||
          c.controlMessages().some((m) => m.type === 'connected'),
      ),
    ).toHaveLength(0)
    console.log(
      `fixed target "localhost": connected ${ms.toFixed(1)} ms after open, with 200 slow lookups queued`,
    )
    // And the slow ones are served once DNS answers: none was dropped.
    openGate()
    const outcomes = await Promise.all(
      slow.map((c) => connectedOrClosed(c, 20_000)),
    )
    expect(outcomes.filter((o) => o === 'connected')).toHaveLength(200)
  }, 40_000)

  it('drops the queued lookups of clients that left: DNS never hears their names', async () => {
    const { echo, dns, relay } = await dnsRelay(
      () => ({ kind: 'never' }),
      ['--max-lookups', '2', '--dns-timeout', '1500'],
    )
    const conns = []
    for (let i = 0; i < 40; i++)
      conns.push(
        await openV1(
          relay.port,
          { host: `c${i}.never.test`, port: echo.port },
          `10.0.0.${i}`,
        ),
      )
    await conns[0]?.waitFor(
      () => dns.questions.length >= 4,
      3000,
      'the two running lookups',
    )
    for (const c of conns) c.destroy()
    // The two running lookups time out at DNS (about 1.5 s); had the 38
    // waiting ones stayed queued, they would start then.
    await new Promise<void>((r) => setTimeout(r, 3500))
    const asked = new Set(dns.questions.map((q) => q.split(' ')[0]))
    expect([...asked].sort()).toEqual(['c0.never.test', 'c1.never.test'])
    expect(relay.isAlive()).toBe(true)
  }, 20_000)

  it('closes 4001 naming ETIMEOUT when a name never answers within --dns-timeout', async () => {
    const { echo, relay } = await dnsRelay(
      () => ({ kind: 'never' }),
      ['--dns-timeout', '800'],
    )
    const conn = await openV1(relay.port, {
      host: 'never.test',
      port: echo.port,
    })
    expect(await conn.waitForEnd(5000)).toEqual({
      kind: 'close',
      code: 4001,
      reason: `Cannot resolve TCP target never.test:${echo.port} (ETIMEOUT).`,
    })
    expect(echo.accepted()).toBe(0)
  })

  it('closes 1013 past --max-lookups-per-ip, naming the flag', async () => {
    const { echo, relay } = await dnsRelay(
      () => ({ kind: 'never' }),
      ['--max-lookups-per-ip', '2'],
    )
    const open = { host: 'never.test', port: echo.port }
    await openV1(relay.port, open, '10.7.7.7')
    await openV1(relay.port, open, '10.7.7.7')
    const third = await openV1(relay.port, open, '10.7.7.7')
    expect(await third.waitForEnd(3000)).toEqual({
      kind: 'close',
      code: 1013,
      reason:
        'Too many name lookups from 10.7.7.7 at once (--max-lookups-per-ip 2). Try again later.',
    })
    // Another client is not affected.
    const other = await openV1(relay.port, open, '10.7.7.8')
    expect(await other.waitForEnd(300)).toEqual({ kind: 'timeout' })
  })

  it('with --no-client-names, refuses a host name with 4102 and asks DNS nothing', async () => {
    const { echo, dns, relay } = await dnsRelay(
      () => ({ addresses: ['127.0.0.1'] }),
      ['--no-client-names'],
    )
    const named = await openV1(relay.port, {
      host: 'fast.test',
      port: echo.port,
    })
    expect(await named.waitForEnd(3000)).toEqual({
      kind: 'close',
      code: 4102,
      reason: `Target fast.test:${echo.port}: this relay accepts IP addresses only (--no-client-names).`,
    })
    const literal = await openV1(relay.port, {
      host: '127.0.0.1',
      port: echo.port,
    })
    expect(await connectedOrClosed(literal, 3000)).toBe('connected')
    expect(dns.questions).toEqual([])
  })

  it('refuses, without a lookup, a name no rule could allow (port outside every rule)', async () => {
    const { echo, dns, relay } = await dnsRelay(() => ({
      addresses: ['127.0.0.1'],
    }))
    const conn = await openV1(relay.port, {
      host: 'internal.test',
      port: echo.port + 1,
    })
    expect(await conn.waitForEnd(3000)).toMatchObject({
      kind: 'close',
      code: 4102,
    })
    expect(dns.questions).toEqual([])
  })
})

describe('the fixed target', () => {
  it('connects "localhost" while client-chosen lookups hold every thread of the pool', async () => {
    // A lookup that holds a thread-pool thread until the test lets go, as a
    // slow getaddrinfo does: reading a FIFO no one writes to.
    const dir = mkdtempSync(join(tmpdir(), 'wsrelay-pool-'))
    const fifo = join(dir, 'fifo')
    execFileSync('mkfifo', [fifo])
    let isReleased = false
    const release = (): void => {
      if (isReleased) return
      isReleased = true
      // Writers wake every reader; each read then ends.
      for (let i = 0; i < 8; i++) {
        const fd = openSync(fifo, 'w')
        writeSync(fd, '\n')
        closeSync(fd)
      }
    }
    defer(() => {
      release()
      rmSync(dir, { recursive: true, force: true })
    })
    const echo = await echoServer()
    const relay = createRelay({
      target: `localhost:${echo.port}`,
      allow: [`127.0.0.1/32:${echo.port}`],
      resolveHost: async () => {
        await readFile(fifo)
        return [{ address: '127.0.0.1', family: 4 }]
      },
    })
    const { port } = await relay.listen()
    defer(() => relay.close())
    // The relay has served before (its name is known), then the pool fills.
    const warm = await openV1(port, {})
    expect(await connectedOrClosed(warm, 3000)).toBe('connected')
    for (let i = 0; i < 6; i++)
      await openV1(port, { host: `held${i}.test`, port: echo.port })
    const fixed = await openV1(port, {})
    const outcome = await connectedOrClosed(fixed, 3000).catch(
      (err: Error) => err.message,
    )
    release()
    expect(outcome).toBe('connected')
  })
})
