/**
 * Issue 7, "What was seen": each hostile input, answered as documented, with
 * the relay alive and still echoing afterwards.
 */
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloseCode, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import type { RelayOptions } from './settings/relay-options.js'
import { createHarness } from './test-support/harness.js'
import {
  closePayload,
  frame,
  rawExchange,
  upgradeRequest,
} from './test-support/raw-frames.js'
import {
  openWebSocket,
  readBytes,
  startEchoServer,
  startTcpServer,
} from './test-support/sockets.js'

const { startRelay, track } = createHarness()

async function echoRelay(options: Omit<RelayOptions, 'target'> = {}) {
  const echo = await track(startEchoServer())
  return {
    echo,
    ...(await startRelay({ target: `127.0.0.1:${echo.port}`, ...options })),
  }
}

/** A known-good client still gets its bytes back. */
async function stillEchoes(url: string): Promise<void> {
  const ws = await openWebSocket(url)
  ws.send('still here')
  expect((await readBytes(ws, 10)).toString()).toBe('still here')
  ws.close()
}

const V1 = { 'Sec-WebSocket-Protocol': SUBPROTOCOL_V1 }
const text = (s: string) => Buffer.from(s)

describe('malformed frames, before a wsrelay.v1 open is answered', () => {
  it.each([
    [
      'invalid UTF-8 in a text frame',
      [frame({ opcode: 1, payload: Buffer.from([0xc3, 0x28]) })],
      1007,
    ],
    [
      'an unmasked frame',
      [frame({ opcode: 2, payload: text('x'), mask: false })],
      1002,
    ],
    ['RSV1 set', [frame({ opcode: 2, rsv: 4, payload: text('x') })], 1002],
    [
      'RSV2 and RSV3 set',
      [frame({ opcode: 2, rsv: 3, payload: text('x') })],
      1002,
    ],
    ['opcode 3', [frame({ opcode: 3, payload: text('x') })], 1002],
    ['opcode 0xB', [frame({ opcode: 0xb })], 1002],
    ['a fragmented ping', [frame({ opcode: 9, fin: false })], 1002],
    [
      'a ping of 126 bytes',
      [frame({ opcode: 9, payload: Buffer.alloc(126) })],
      1002,
    ],
    [
      'a close frame of 126 bytes',
      [frame({ opcode: 8, payload: Buffer.alloc(126) })],
      1002,
    ],
    [
      'a 64-bit length with the top bit set',
      [frame({ opcode: 2, length64: 1n << 63n })],
      1009,
    ],
    ['a 2^53 length', [frame({ opcode: 2, length64: 1n << 53n })], 1009],
    [
      'a continuation with no start',
      [frame({ opcode: 0, payload: text('x') })],
      1002,
    ],
    [
      'a text frame inside a fragmented message',
      [
        frame({ opcode: 2, fin: false, payload: text('a') }),
        frame({ opcode: 1, payload: text('b') }),
      ],
      1002,
    ],
    [
      'a close frame of 1 byte',
      [frame({ opcode: 8, payload: Buffer.from([3]) })],
      1002,
    ],
    [
      'close code 999',
      [frame({ opcode: 8, payload: closePayload(999) })],
      1002,
    ],
    [
      'close code 1005',
      [frame({ opcode: 8, payload: closePayload(1005) })],
      1002,
    ],
    [
      'close code 1006',
      [frame({ opcode: 8, payload: closePayload(1006) })],
      1002,
    ],
    [
      'close code 5000',
      [frame({ opcode: 8, payload: closePayload(5000) })],
      1002,
    ],
    [
      'a close reason that is not UTF-8',
      [
        frame({
          opcode: 8,
          payload: Buffer.concat([closePayload(1000), Buffer.from([0xff])]),
        }),
      ],
      1007,
    ],
    [
      'a message one byte over the limit',
      [frame({ opcode: 2, payload: Buffer.alloc(1025) })],
      1009,
    ],
    [
      'a message over the limit in fragments',
      [
        frame({ opcode: 2, fin: false, payload: Buffer.alloc(600) }),
        frame({ opcode: 0, payload: Buffer.alloc(600) }),
      ],
      1009,
    ],
    [
      'HTTP bytes pipelined after the upgrade',
      [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      1002,
    ],
  ])(
    '%s: closes that connection, and the relay lives',
    async (_name, frames, code) => {
      const { port, url } = await echoRelay({ maxMessageSize: 1024 })
      const outcome = await rawExchange(port, upgradeRequest('/', V1), frames)
      expect(outcome.head).toMatch(/^HTTP\/1.1 101/)
      expect(outcome.closeCode).toBe(code)
      expect(outcome.closeReason.length).toBeGreaterThan(0)
      await stillEchoes(url)
    },
  )

  it('says the limit and the flag when a message is too big', async () => {
    const { port } = await echoRelay({ maxMessageSize: 1024 })
    const outcome = await rawExchange(port, upgradeRequest('/'), [
      frame({ opcode: 2, payload: Buffer.alloc(1025) }),
    ])
    expect(outcome).toMatchObject({
      closeCode: CloseCode.MESSAGE_TOO_BIG,
      closeReason:
        "Message over the relay's limit of 1024 bytes (--max-message-size).",
    })
  })

  it('20,000 one-byte fragments: closed, the relay lives', async () => {
    const { port, url } = await echoRelay()
    const frames = [frame({ opcode: 2, fin: false, payload: text('a') })]
    for (let i = 0; i < 20_000; i++)
      frames.push(frame({ opcode: 0, fin: false, payload: text('a') }))
    const outcome = await rawExchange(port, upgradeRequest('/', V1), frames, {
      sameWrite: true,
    })
    expect(outcome.closeCode).toBe(CloseCode.POLICY_VIOLATION)
    await stillEchoes(url)
  })
})

describe('malformed paths', () => {
  it.each(['/%', '/%zz', '/%ff', '/a%', '/%E0%A4%A', '/%C0%AF'])(
    '%s: closes 1008 with a reason, raw and wsrelay.v1 alike',
    async (path) => {
      const { port, url } = await echoRelay()
      for (const headers of [{}, V1]) {
        const after =
          'Sec-WebSocket-Protocol' in headers
            ? [frame({ opcode: 1, payload: text('{"type":"open"}') })]
            : []
        const outcome = await rawExchange(
          port,
          upgradeRequest(path, headers),
          after,
        )
        expect(outcome).toMatchObject({
          closeCode: CloseCode.POLICY_VIOLATION,
          closeReason: 'The URL path has a malformed percent escape.',
        })
      }
      await stillEchoes(url)
    },
  )
})

describe('--web', () => {
  const webRoot = () => {
    const base = mkdtempSync(join(tmpdir(), 'wsrelay-web-'))
    const dir = join(base, 'site')
    mkdirSync(dir)
    writeFileSync(
      join(dir, 'index.html'),
      '0123456789abcdefghijklmnopqrstuvwxyz',
    )
    writeFileSync(join(base, 'secret.txt'), 'outside')
    symlinkSync(join(base, 'secret.txt'), join(dir, 'leak.txt'))
    symlinkSync('/etc/passwd', join(dir, 'passwd'))
    return dir
  }

  it('handles Range as RFC 9110 says', async () => {
    const { port } = await echoRelay({ web: webRoot() })
    const get = (range: string) =>
      fetch(`http://127.0.0.1:${port}/index.html`, { headers: { range } })
    // An invalid range (last < first) may be ignored or rejected (RFC 9110
    // 14.2); send rejects it, naming the length. It used to crash the relay.
    const invalid = await get('bytes=20-10')
    expect(invalid.status).toBe(416)
    expect(invalid.headers.get('content-range')).toBe('bytes */36')
    const first = await get('bytes=0-0')
    expect(first.status).toBe(206)
    expect(await first.text()).toBe('0')
    const last = await get('bytes=-5')
    expect(last.status).toBe(206)
    expect(await last.text()).toBe('vwxyz')
    expect((await get('bytes=100-200')).status).toBe(416)
  })

  it('answers only GET and HEAD', async () => {
    const { port } = await echoRelay({ web: webRoot() })
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`http://127.0.0.1:${port}/index.html`, { method })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD')
    }
    const head = await fetch(`http://127.0.0.1:${port}/index.html`, {
      method: 'HEAD',
    })
    expect(head.status).toBe(200)
  })

  it('never serves a file whose real path is outside the directory', async () => {
    const { port } = await echoRelay({ web: webRoot() })
    expect((await fetch(`http://127.0.0.1:${port}/leak.txt`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${port}/passwd`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200)
  })
})

describe('DNS rebinding: the Host allowlist', () => {
  it('refuses a page whose Host is not one of the relay’s names, with the flag that admits it', async () => {
    const { port } = await echoRelay()
    const attacker = `rebind.attacker.example:${port}`
    const outcome = await rawExchange(
      port,
      upgradeRequest('/', { Origin: `http://${attacker}` }, attacker),
    )
    expect(outcome.head).toMatch(/^HTTP\/1.1 403/)
    const body = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () =>
        s.write(
          `GET /routes HTTP/1.1\r\nHost: ${attacker}\r\nConnection: close\r\n\r\n`,
        ),
      )
      let got = ''
      s.on('data', (c: Buffer) => (got += c.toString()))
      s.on('close', () => resolve(got))
    })
    expect(body).toMatch(/^HTTP\/1.1 403/)
    expect(body).toContain(
      'Host "rebind.attacker.example:' +
        String(port) +
        '" is not one of this relay\'s names (a guard against DNS rebinding). If this name is yours, start the relay with --allow-host rebind.attacker.example',
    )
  })

  it('answers its own names, and names added with --allow-host', async () => {
    const { port, url } = await echoRelay({ allowHost: ['relay.test'] })
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'relay.test',
    ]) {
      const outcome = await rawExchange(port, upgradeRequest('/', {}, host), [
        frame({ opcode: 8, payload: closePayload(1000) }),
      ])
      expect(outcome.head).toMatch(/^HTTP\/1.1 101/)
    }
    await stillEchoes(url)
  })
})

describe('memory stays bounded', () => {
  it('stops reading a wsrelay.v1 client that sends pings and never reads the pongs', async () => {
    const HWM = 64 * 1024
    const { relay, port } = await echoRelay({ highWaterMark: HWM })
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    socket.write(upgradeRequest('/', V1))
    socket.write(frame({ opcode: 1, payload: text('{"type":"open"}') }))
    socket.pause() // never reads
    const ping = frame({
      opcode: 1,
      payload: text('{"type":"ping","id":1,"ts":1}'),
    })
    const burst = Buffer.concat(new Array<Buffer>(2000).fill(ping))
    // Pings until the relay stops reading us (kernel buffers absorb the first
    // few MB of pongs); bounded at 64 MB.
    let sent = 0
    while (relay.stats().clientPauses === 0 && sent < 64 * 1024 * 1024) {
      if (!socket.write(burst)) {
        // Either the relay reads on, or it has paused us: both end the wait.
        await Promise.race([
          once(socket, 'drain'),
          vi.waitFor(
            () => expect(relay.stats().clientPauses).toBeGreaterThan(0),
            {
              timeout: 30_000,
            },
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
    socket.destroy()
  })

  it('bounds data a wsrelay.v1 client pushes while its target is being resolved', async () => {
    const HWM = 64 * 1024
    let answer: (a: { address: string; family: number }[]) => void = () =>
      undefined
    const echo = await track(startEchoServer())
    const { relay, url } = await startRelay({
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
    await vi.waitFor(() => expect(got).toBe(16 * 1024 * 1024), {
      timeout: 20_000,
    })
    ws.close()
  }, 30_000)
})

describe('the relay-wide memory budget', () => {
  it('stops reading the senders that hold the most once all of them together pass the budget', async () => {
    const BUDGET = 1024 * 1024
    const { relay, port, url } = await echoRelay({
      memoryBudget: BUDGET,
      maxMessageSize: 4 * 1024 * 1024,
    })
    // 16 clients each start a 4 MiB message, send 512 KiB of it, and stall.
    const stallers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const socket = net.connect(port, '127.0.0.1')
        socket.on('error', () => undefined)
        await once(socket, 'connect')
        socket.write(upgradeRequest('/'))
        await once(socket, 'data') // 101
        const header = frame({ opcode: 2, length64: 4n * 1024n * 1024n })
        socket.write(Buffer.concat([header, Buffer.alloc(512 * 1024, 1)]))
        return socket
      }),
    )
    await vi.waitFor(() =>
      expect(relay.stats().budgetPauses).toBeGreaterThan(0),
    )
    // 16 x 512 KiB were offered; held stays near the budget, plus what was
    // in flight when the 100 ms check ran.
    await vi.waitFor(() =>
      expect(relay.stats().bufferedBytes).toBeLessThan(9 * 1024 * 1024),
    )
    for (const s of stallers) s.destroy()
    await stillEchoes(url)
  })
})

describe('streams that used to stall', () => {
  it('--high-water-mark 1024: bytes sent with the handshake and after it all arrive', async () => {
    const target = await track(startTcpServer())
    const { port } = await startRelay({
      target: `127.0.0.1:${target.port}`,
      highWaterMark: 1024,
    })
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    socket.write(
      Buffer.concat([
        Buffer.from(upgradeRequest('/')),
        frame({ opcode: 2, payload: Buffer.alloc(4000, 7) }),
      ]),
    )
    await once(socket, 'data') // the 101
    socket.write(frame({ opcode: 2, payload: Buffer.alloc(14, 8) }))
    const upstream = await target.nextSocket()
    let got = 0
    upstream.on('data', (c: Buffer) => (got += c.length))
    await vi.waitFor(() => expect(got).toBe(4014))
    socket.destroy()
  })

  it('--high-water-mark 8192: a target that starts reading late gets every byte', async () => {
    let upstream: net.Socket | undefined
    const target = await track(
      startTcpServer((s) => {
        upstream = s
        s.pause() // reads nothing until the relay has had to stop reading the browser
      }),
    )
    const { relay, url } = await startRelay({
      target: `127.0.0.1:${target.port}`,
      highWaterMark: 8192,
    })
    const ws = await openWebSocket(url)
    const TOTAL = 20_000_000
    const message = Buffer.alloc(1000, 3)
    for (let i = 0; i < TOTAL / 1000; i++) ws.send(message)
    await vi.waitFor(() =>
      expect(relay.stats().clientPauses).toBeGreaterThan(0),
    )
    let got = 0
    upstream?.on('data', (c: Buffer) => (got += c.length))
    upstream?.resume()
    await vi.waitFor(() => expect(got).toBe(TOTAL), { timeout: 20_000 })
    ws.close()
  }, 30_000)
})

describe('drain', () => {
  it('answers new upgrades 503, readiness 503 and liveness 200 while draining; an open after the 1001 opens nothing', async () => {
    const target = await track(startTcpServer())
    const { relay, port, url } = await startRelay({
      route: { echo: `127.0.0.1:${target.port}` },
      drainTimeout: 3000,
    })
    // A v1 client that has not sent open yet, and a session whose browser
    // never answers the close frame: the drain lasts until its deadline.
    const waiting = new WebSocket(`${url}echo`, SUBPROTOCOL_V1)
    waiting.on('error', () => undefined)
    await once(waiting, 'open')
    const stuck = net.connect(port, '127.0.0.1')
    stuck.on('error', () => undefined)
    await once(stuck, 'connect')
    stuck.write(upgradeRequest('/echo'))
    await once(stuck, 'data') // 101
    await target.nextSocket()

    const closing = relay.close()
    const [code] = (await once(waiting, 'close')) as [number]
    expect(code).toBe(CloseCode.RELAY_SHUTTING_DOWN)

    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503)
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'draining' })
    const late = await rawExchange(port, upgradeRequest('/echo'))
    expect(late.head).toMatch(/^HTTP\/1.1 503/)
    expect(target.sockets).toHaveLength(1) // nothing new reached the target
    await closing
    stuck.destroy()
  })

  it('a wsrelay.v1 open sent after the 1001 reaches no target', async () => {
    const target = await track(startTcpServer())
    const { relay, port } = await startRelay({
      route: { echo: `127.0.0.1:${target.port}` },
    })
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    socket.write(upgradeRequest('/echo', V1))
    await once(socket, 'data') // 101
    const closing = relay.close()
    await once(socket, 'data') // the 1001 close frame
    socket.write(frame({ opcode: 1, payload: text('{"type":"open"}') }))
    socket.write(frame({ opcode: 8, payload: closePayload(1000) }))
    await closing
    expect(target.sockets).toHaveLength(0)
  })
})
