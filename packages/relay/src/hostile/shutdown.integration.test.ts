import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SUBPROTOCOL_BINARY, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import {
  closePayload,
  encodeFrame,
  httpRequest,
  Opcode,
  RawConnection,
  settle,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'
import { lacks, selfSignedCertificate } from '@wsrelay/test-kit/tools'

// Issue 7, "Shutdown" (integration: each test drains a real relay process).

const { defer, echoServer, relayProcess } = createHarness()
const closeOf = (conn: RawConnection) =>
  conn.frames.find((f) => f.opcode === Opcode.CLOSE)

describe('during a drain', () => {
  it('answers new upgrades and /readyz with 503 while /healthz still answers', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--drain-timeout',
      '4000',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    // A live session that never answers the 1001 keeps the drain going.
    const live = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    expect(live.head?.status).toBe(101)
    live.sendBinary(Buffer.from('hello'))
    await live.waitFor(() => live.binaryBytes().length >= 5, 3000, 'echo')

    relay.child.kill('SIGTERM')
    await live.waitFor(() => closeOf(live) !== undefined, 3000, 'the 1001')
    expect(live.ending).toMatchObject({ kind: 'close', code: 1001 })

    const upgrade = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_BINARY],
    }).catch((err: Error) => err)
    expect(
      upgrade instanceof Error ? upgrade.message : upgrade.head?.status,
    ).toBe(503)
    if (!(upgrade instanceof Error)) upgrade.destroy()
    const ready = await httpRequest(relay.port, '/readyz').catch(
      (err: Error) => err,
    )
    expect(ready instanceof Error ? ready.message : ready.status).toBe(503)
    const health = await httpRequest(relay.port, '/healthz').catch(
      (err: Error) => err,
    )
    expect(health instanceof Error ? health.message : health.status).toBe(200)
    if (!(health instanceof Error))
      expect(JSON.parse(health.body.toString())).toMatchObject({
        status: 'draining',
      })
    expect(echo.accepted(), 'nothing new reached the target').toBe(1)
    live.destroy()
    expect((await relay.exited).code).toBe(0)
  })

  it('opens no TCP connection for a wsrelay.v1 open that arrives after the 1001', async () => {
    const target = await echoServer()
    const relay = await relayProcess([
      '--drain-timeout',
      '1500',
      '127.0.0.1:0',
      `127.0.0.1:${target.port}`,
    ])
    const conn = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_V1],
    })
    expect(conn.head?.status).toBe(101)

    relay.child.kill('SIGTERM')
    await conn.waitFor(() => closeOf(conn) !== undefined, 3000, 'the 1001')
    expect(conn.ending).toMatchObject({ kind: 'close', code: 1001 })
    conn.sendText(JSON.stringify({ type: 'open' }))
    await settle(relay.exited, 5000)
    conn.destroy()
    expect(target.accepted()).toBe(0)
  })
})

describe('SIGHUP', () => {
  it('drains like SIGTERM: 1001 to live sessions, then exit 0', async () => {
    const echo = await echoServer()
    const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const live = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    live.sendBinary(Buffer.from('hello'))
    await live.waitFor(() => live.binaryBytes().length >= 5, 3000, 'echo')

    relay.child.kill('SIGHUP')
    const ending = await live.waitForEnd(5000)
    // Answer the close as a browser would, so the drain can finish.
    live.write(
      encodeFrame({ opcode: Opcode.CLOSE, payload: closePayload(1001) }),
    )
    expect(ending).toMatchObject({ kind: 'close', code: 1001 })
    const exit = await settle(relay.exited, 8000)
    live.destroy()
    expect(exit).toEqual({ code: 0, signal: null })
  })
})

describe.skipIf(lacks('openssl'))(
  'SIGTERM with TLS handshakes in flight',
  () => {
    it('exits within the drain, not after the handshake timeout, with 200 half-done handshakes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wsrelay-tls-'))
      defer(() => rmSync(dir, { recursive: true, force: true }))
      const { cert, key } = selfSignedCertificate(dir)
      const echo = await echoServer()
      const relay = await relayProcess([
        '--cert',
        cert,
        '--key',
        key,
        '--drain-timeout',
        '1000',
        '--handshake-timeout',
        '15000',
        '127.0.0.1:0',
        `127.0.0.1:${echo.port}`,
      ])
      // Half a ClientHello each: a TLS 1.2 record announcing 512 bytes, then 100.
      const halfHello = Buffer.concat([
        Buffer.from([
          0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ]),
        Buffer.alloc(100, 0x11),
      ])
      await Promise.all(
        Array.from({ length: 200 }, async () => {
          const socket = net.connect({ host: '127.0.0.1', port: relay.port })
          defer(() => socket.destroy())
          socket.on('error', () => undefined)
          await new Promise<void>((r) => socket.once('connect', () => r()))
          socket.write(halfHello)
        }),
      )
      const started = Date.now()
      relay.child.kill('SIGTERM')
      const exit = await relay.exited
      expect(exit.code).toBe(0)
      expect(Date.now() - started).toBeLessThan(1000 + 1500)
    }, 30_000)
  },
)
