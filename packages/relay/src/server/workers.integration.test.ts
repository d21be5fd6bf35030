import { readFileSync } from 'node:fs'
import { SUBPROTOCOL_BINARY } from '@wsrelay/protocol'
import { httpRequest, RawConnection } from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'
import { describe, expect, it } from 'vitest'
import { LOG_FIELDS } from '../observability/log-fields.js'

const { echoServer, relayProcess, defer } = createHarness()

/** The worker processes of a primary (Linux: its children). */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)

/** Opens a raw session (it answers a close frame, as a browser does) and echoes `text` through it. */
async function echoed(port: number, text: string): Promise<RawConnection> {
  const conn = await RawConnection.open(
    port,
    { protocols: [SUBPROTOCOL_BINARY] },
    5000,
    { replyToClose: true },
  )
  defer(() => conn.destroy())
  expect(conn.head?.status).toBe(101)
  conn.sendBinary(Buffer.from(text))
  await conn.waitFor(
    () => conn.binaryBytes().toString() === text,
    3000,
    `the echo of ${text}`,
  )
  return conn
}

describe('--workers 2', () => {
  it('serves one port from two processes, logs relay listening once, and counts the connection limit across both', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--workers',
      '2',
      '--max-connections',
      '6',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    expect(childrenOf(relay.pid)).toHaveLength(2)
    const listening = await relay.waitForLog(
      (l) => l.msg === 'relay listening',
      3000,
    )
    expect(listening).toMatchObject({ url: relay.url, workers: 2 })

    const open = []
    for (let i = 0; i < 6; i++)
      open.push(await echoed(relay.port, `hello ${i}`))
    const seventh = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    defer(() => seventh.destroy())
    expect(await seventh.waitForEnd(3000)).toEqual({
      kind: 'close',
      code: 1013,
      reason: 'Relay is at its limit of 6 connections. Try again later.',
    })
    // One leaves: its count is given back, wherever it was served.
    open[0]?.destroy()
    await relay.waitForLog(
      (l) => l.msg === 'connection closed' && l.by === 'client',
      3000,
    )
    await echoed(relay.port, 'room again')

    expect(relay.logs.filter((l) => l.msg === 'relay listening')).toHaveLength(
      1,
    )
    for (const line of relay.logs)
      for (const key of Object.keys(line))
        expect(
          Object.keys(LOG_FIELDS),
          `${String(line.msg)}: ${key}`,
        ).toContain(key)
  })

  it('counts the per-IP limit across both workers', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--workers',
      '2',
      '--max-connections-per-ip',
      '3',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    for (let i = 0; i < 3; i++) await echoed(relay.port, `ip ${i}`)
    const fourth = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_BINARY],
    })
    defer(() => fourth.destroy())
    expect(await fourth.waitForEnd(3000)).toEqual({
      kind: 'close',
      code: 1013,
      reason: 'Too many connections from 127.0.0.1 (limit 3). Try again later.',
    })
  })

  it('serves /metrics from any worker with every worker counted', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--workers',
      '2',
      '--metrics',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    for (let i = 0; i < 8; i++) await echoed(relay.port, `m${i}`)
    // Whichever worker answers, it answers for both.
    for (let i = 0; i < 4; i++) {
      const answer = await httpRequest(relay.port, '/metrics')
      expect(answer.status).toBe(200)
      const text = answer.body.toString()
      expect(text).toMatch(/^wsrelay_connections 8$/m)
      expect(text).toMatch(/^wsrelay_bytes_total\{direction="to_target"\} 16$/m)
    }
  })

  it('drains every worker on SIGTERM: each browser gets its bytes, then 1001, and the primary exits 0', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--workers',
      '2',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    const conns = []
    for (let i = 0; i < 6; i++)
      conns.push(await echoed(relay.port, `drain ${i}`))
    const workers = childrenOf(relay.pid)
    process.kill(relay.pid, 'SIGTERM')
    for (const [i, conn] of conns.entries()) {
      expect(await conn.waitForEnd(5000)).toEqual({
        kind: 'close',
        code: 1001,
        reason: 'Relay shutting down.',
      })
      expect(conn.binaryBytes().toString()).toBe(`drain ${i}`)
    }
    expect(await relay.exited).toEqual({ code: 0, signal: null })
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow()
  })

  it('starts another worker when one dies, and gives back the connections it held', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--workers',
      '2',
      '--max-connections',
      '4',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    for (let i = 0; i < 4; i++) await echoed(relay.port, `held ${i}`)
    const [victim] = childrenOf(relay.pid)
    if (victim === undefined) throw new Error('no worker')
    process.kill(victim, 'SIGKILL')
    await relay.waitForLog(
      (l) => l.msg === 'worker exited; starting another',
      5000,
    )
    await expect
      .poll(() => childrenOf(relay.pid).length, { timeout: 5000 })
      .toBe(2)
    // The dead worker's connections no longer count: there is room again.
    await expect
      .poll(
        async () => {
          const conn = await RawConnection.open(relay.port, {
            protocols: [SUBPROTOCOL_BINARY],
          })
          conn.sendBinary(Buffer.from('back'))
          const ok = await conn
            .waitFor(
              () => conn.binaryBytes().toString() === 'back',
              1000,
              'echo',
            )
            .then(
              () => true,
              () => false,
            )
          conn.destroy()
          return ok
        },
        { timeout: 8000 },
      )
      .toBe(true)
  })
})
