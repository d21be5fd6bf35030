import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SUBPROTOCOL_BINARY } from '@wsrelay/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  encodeFrame,
  handshakeRequest,
  httpRequest,
  Opcode,
  pump,
  RawConnection,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'
import { lacks, selfSignedCertificate } from '@wsrelay/test-kit/tools'
import { SETTINGS } from '../settings/settings.js'

// Issue 7, "Streams that stall" and the TLS handshake timeout (integration:
// seconds of real traffic through a real relay process).

const { defer, echoServer, relayProcess, tcpServer } = createHarness()

describe('--high-water-mark', () => {
  it('1024: delivers all 4,014 bytes when 4,000 come with the handshake and 14 after', async () => {
    const target = await tcpServer((socket) => socket.resume(), {
      allowHalfOpen: false,
    })
    const relay = await relayProcess([
      '--high-water-mark',
      '1024',
      '127.0.0.1:0',
      `127.0.0.1:${target.port}`,
    ])
    const conn = await RawConnection.connect(relay.port)
    defer(() => conn.destroy())
    conn.write(
      handshakeRequest(relay.port, {
        protocols: [SUBPROTOCOL_BINARY],
        trailing: encodeFrame({
          opcode: Opcode.BINARY,
          payload: Buffer.alloc(4000, 0x61),
        }),
      }),
    )
    await conn.waitFor(() => conn.head !== undefined, 5000, 'the 101')
    expect(conn.head?.status).toBe(101)
    conn.sendBinary(Buffer.alloc(14, 0x62))
    expect(await target.waitForBytes(4014, 5000)).toBe(4014)
  })

  it('8192: a target that sleeps 3 s before reading still gets all of 20 MB sent as 1,000-byte messages', async () => {
    const TOTAL = 20_000_000
    const target = await tcpServer(
      (socket) => {
        socket.pause()
        const timer = setTimeout(() => socket.resume(), 3000)
        socket.on('close', () => clearTimeout(timer))
      },
      { allowHalfOpen: false },
    )
    const relay = await relayProcess([
      '--high-water-mark',
      '8192',
      '--metrics',
      '127.0.0.1:0',
      `127.0.0.1:${target.port}`,
    ])
    const conn = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    defer(() => conn.destroy())
    expect(conn.head?.status).toBe(101)
    const message = encodeFrame({
      opcode: Opcode.BINARY,
      payload: Buffer.alloc(1000, 0x63),
    })
    const batch = Buffer.concat(Array.from({ length: 100 }, () => message))
    const sending = pump(conn, batch, (TOTAL / 1000) * message.length, 28_000)
    const got = await target.waitForBytes(TOTAL, 30_000)
    const sent = await sending
    expect(sent.sentBytes).toBe((TOTAL / 1000) * message.length)
    expect(got).toBe(TOTAL)
    // It got there by backpressure: the relay stopped reading the browser.
    const metrics = (await httpRequest(relay.port, '/metrics')).body.toString()
    const pauses =
      /^wsrelay_backpressure_pauses_total\{paused="client"\} (\d+)$/m.exec(
        metrics,
      )
    expect(Number(pauses?.[1])).toBeGreaterThan(0)
  }, 45_000)
})

describe.skipIf(lacks('openssl'))('TLS under --handshake-timeout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsrelay-tls-'))
  const cert = join(dir, 'cert.crt')
  const key = join(dir, 'cert.key')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  // In a hook, not while the tests are collected: a skipped suite is collected too.
  beforeAll(() => {
    selfSignedCertificate(dir)
  })

  it('drops 50 clients that say nothing or half a ClientHello within about 2 s', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--cert',
      cert,
      '--key',
      key,
      '--handshake-timeout',
      '500',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    const fdsBefore = relay.fdCount()
    // A TLS 1.2 record header announcing a 512-byte ClientHello, then only its start.
    const halfHello = Buffer.concat([
      Buffer.from([
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
      ]),
      Buffer.alloc(100, 0x11),
    ])
    const started = Date.now()
    const endings = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const socket = net.connect({ host: '127.0.0.1', port: relay.port })
        defer(() => socket.destroy())
        socket.on('error', () => {
          // A reset is one way to be dropped.
        })
        socket.resume()
        if (i % 2 === 1) socket.write(halfHello)
        return new Promise<number>((resolve) => {
          const timer = setTimeout(() => resolve(Infinity), 4000)
          socket.on('close', () => {
            clearTimeout(timer)
            resolve(Date.now() - started)
          })
        })
      }),
    )
    const slowest = Math.max(...endings)
    expect(
      endings.filter((ms) => ms === Infinity).length,
      'clients still connected after 4 s',
    ).toBe(0)
    expect(slowest).toBeLessThan(2500)
    expect(relay.isAlive()).toBe(true)
    expect(relay.fdCount()).toBeLessThanOrEqual(fdsBefore + 5)
  })
})

describe('a session that cannot move', () => {
  it('is closed by default: --stall-timeout is 60 s unless set', () => {
    expect(SETTINGS.stallTimeout.default).toBe(60_000)
  })

  it('frees both sockets of 20 clients that pushed 8 MiB at a target that never reads, then left (4105)', async () => {
    const target = await tcpServer((socket) => socket.pause())
    const relay = await relayProcess([
      '--stall-timeout',
      '1500',
      '--drain-timeout',
      '1000',
      '127.0.0.1:0',
      `127.0.0.1:${target.port}`,
    ])
    const fdsBefore = relay.fdCount()
    const chunk = encodeFrame({
      opcode: Opcode.BINARY,
      payload: Buffer.alloc(64 * 1024, 0x61),
    })
    const conns = await Promise.all(
      Array.from({ length: 20 }, () =>
        RawConnection.open(relay.port, { protocols: [SUBPROTOCOL_BINARY] }),
      ),
    )
    for (const conn of conns) defer(() => conn.destroy())
    // Each pushes until the relay stops reading it, then sends its FIN behind
    // the unread data and goes.
    await Promise.all(
      conns.map((conn) => pump(conn, chunk, 8 * 1024 * 1024, 3000)),
    )
    for (const conn of conns) conn.socket.end()
    const closedLines = () =>
      relay.logs.filter(
        (l) => l.msg === 'connection closed' && l.closeCode === 4105,
      )
    await relay.waitForLog(() => closedLines().length >= 20, 10_000)
    expect(closedLines()).toHaveLength(20)
    expect(closedLines()[0]).toMatchObject({
      reason: 'Nothing moved for 1500 ms: a side stopped reading.',
      by: 'relay',
    })
    expect(target.sockets).toHaveLength(20)
    // Both sockets of each session are gone from the relay's fd table.
    const deadline = Date.now() + 3000
    while (relay.fdCount() > fdsBefore + 2 && Date.now() < deadline)
      await new Promise<void>((r) => setTimeout(r, 100))
    expect(relay.fdCount()).toBeLessThanOrEqual(fdsBefore + 2)
  }, 30_000)
})
