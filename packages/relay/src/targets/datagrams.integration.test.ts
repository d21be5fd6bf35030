import dgram from 'node:dgram'
import { once } from 'node:events'
import {
  CloseCode,
  SUBPROTOCOL_BINARY,
  SUBPROTOCOL_V1,
  parseRelayMessage,
  type RelayControlMessage,
} from '@wsrelay/protocol'
import { freeUdpPort } from '@wsrelay/test-kit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { createHarness } from '../test-support/harness.js'
import { captureLogs } from '../test-support/streams.js'

const { track, startRelay, udpEchoServer, udpServer } = createHarness()

/**
 * Every frame of a WebSocket, one entry per message (a datagram's boundary
 * is a message's boundary), recorded from the moment it exists.
 */
class Messages {
  readonly binary: Buffer[] = []
  readonly control: RelayControlMessage[] = []
  closedWith: { code: number; reason: string } | undefined
  private wake: () => void = () => undefined

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.binary.push(data)
      else {
        const parsed = parseRelayMessage(data.toString())
        if (!parsed.ok) throw new Error(parsed.error)
        this.control.push(parsed.message)
      }
      this.wake()
    })
    ws.on('close', (code: number, reason: Buffer) => {
      this.closedWith = { code, reason: reason.toString() }
      this.wake()
    })
  }

  /** Waits until `check` holds; fails if the socket closes first (unless waiting for the close). */
  async until(check: () => boolean, what: string): Promise<void> {
    while (!check()) {
      if (this.closedWith && what !== 'close')
        throw new Error(
          `closed ${this.closedWith.code} "${this.closedWith.reason}" while waiting for ${what}`,
        )
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  async closed(): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closedWith !== undefined, 'close')
    return this.closedWith ?? { code: 0, reason: '' }
  }

  async nextControl(): Promise<RelayControlMessage> {
    await this.until(() => this.control.length > 0, 'a control message')
    return this.control.shift() as RelayControlMessage
  }
}

async function connect(
  url: string,
  protocol: string = SUBPROTOCOL_BINARY,
): Promise<Messages> {
  const ws = new WebSocket(url, protocol)
  const messages = new Messages(ws)
  ws.on('error', () => undefined)
  await once(ws, 'open')
  return messages
}

describe('UDP targets: one WebSocket, one UDP flow', () => {
  it('sends each binary message as one datagram and each datagram back as one message, boundaries intact', async () => {
    const target = await udpEchoServer()
    const { url } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
    })
    const client = await connect(`${url}game`)
    const sizes = [1, 0, 64, 1200, 8192, 65_507]
    const sent = sizes.map((n, i) => Buffer.alloc(n, i + 1))
    for (const bytes of sent) client.ws.send(bytes)
    await client.until(
      () => client.binary.length === sizes.length,
      'every echo',
    )
    // Loopback keeps order; each datagram at the target was one message.
    expect(target.received.map((d) => d.bytes.length)).toEqual(sizes)
    expect(client.binary).toEqual(sent)
    // Text frames in raw mode: their UTF-8 bytes, as one datagram (as TCP writes them).
    client.ws.send('héllo')
    await client.until(() => client.binary.length === sizes.length + 1, 'text')
    expect(target.received.at(-1)?.bytes).toEqual(Buffer.from('héllo'))
    expect(client.binary.at(-1)?.toString()).toBe('héllo')
    client.ws.close(1000)
    expect(await client.closed()).toMatchObject({ code: 1000 })
  })

  it('opens a UDP route and a client-chosen UDP target over wsrelay.v1; connected says udp', async () => {
    const target = await udpEchoServer()
    const { url } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
      allow: [`udp:127.0.0.1/32:${target.port}`],
    })
    const byRoute = await connect(url, SUBPROTOCOL_V1)
    byRoute.ws.send(JSON.stringify({ type: 'open', route: 'game' }))
    byRoute.ws.send(Buffer.from('behind open'))
    expect(await byRoute.nextControl()).toEqual({
      type: 'connected',
      route: 'game',
      transport: 'udp',
    })
    await byRoute.until(() => byRoute.binary.length === 1, 'early data echo')
    expect(byRoute.binary[0]?.toString()).toBe('behind open')

    const chosen = await connect(url, SUBPROTOCOL_V1)
    chosen.ws.send(
      JSON.stringify({
        type: 'open',
        host: '127.0.0.1',
        port: target.port,
        transport: 'udp',
      }),
    )
    expect(await chosen.nextControl()).toEqual({
      type: 'connected',
      host: '127.0.0.1',
      port: target.port,
      address: '127.0.0.1',
      transport: 'udp',
    })
    // The same host and port over TCP: the UDP rule does not open it.
    const overTcp = await connect(url, SUBPROTOCOL_V1)
    overTcp.ws.send(
      JSON.stringify({ type: 'open', host: '127.0.0.1', port: target.port }),
    )
    expect(await overTcp.closed()).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: 'This relay does not allow client-chosen TCP targets.',
    })
  })

  it('names a UDP default target as udp:host:port in its listening line, and serves it on every path', async () => {
    const target = await udpEchoServer()
    const logs = captureLogs()
    const { url } = await startRelay({
      target: `udp:127.0.0.1:${target.port}`,
      logger: logs.logger,
    })
    expect(logs.lines.find((l) => l.msg === 'relay listening')).toMatchObject({
      target: `udp:127.0.0.1:${target.port}`,
    })
    const client = await connect(`${url}any/path`)
    client.ws.send(Buffer.from('default'))
    await client.until(() => client.binary.length === 1, 'the echo')
    expect(client.binary[0]?.toString()).toBe('default')
    client.ws.close(1000)
    await client.closed()
  })

  it('looks up a route written with a host name, once per session', async () => {
    const target = await udpEchoServer()
    const { url } = await startRelay({
      route: { game: `udp:localhost:${target.port}` },
    })
    const client = await connect(`${url}game`)
    client.ws.send(Buffer.from('by name'))
    await client.until(() => client.binary.length === 1, 'the echo')
    expect(client.binary[0]?.toString()).toBe('by name')
    client.ws.close(1000)
    await client.closed()
  })

  it('drains a UDP session on shutdown: 1001 to the page, its socket closed', async () => {
    const target = await udpEchoServer()
    const { relay, url } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
    })
    const client = await connect(`${url}game`)
    client.ws.send(Buffer.from('before the drain'))
    await client.until(() => client.binary.length === 1, 'the echo')
    const closing = relay.close()
    expect(await client.closed()).toEqual({
      code: CloseCode.RELAY_SHUTTING_DOWN,
      reason: 'Relay shutting down.',
    })
    await closing
    expect(relay.stats().connections).toBe(0)
  })

  it('keeps the page receiving after its end: UDP has no FIN, the target still talks', async () => {
    const target = await udpServer()
    const { url } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
    })
    const client = await connect(url, SUBPROTOCOL_V1)
    client.ws.send(JSON.stringify({ type: 'open', route: 'game' }))
    await client.nextControl()
    client.ws.send(Buffer.from('hello'))
    const { from } = await target.nextDatagram()
    client.ws.send(JSON.stringify({ type: 'end' }))
    await target.send('still here', from.port)
    await client.until(() => client.binary.length === 1, 'a datagram after end')
    expect(client.binary[0]?.toString()).toBe('still here')
    expect(client.closedWith).toBeUndefined()
    client.ws.close(1000)
    await client.closed()
  })
})

describe('UDP targets: what UDP does not give', () => {
  it('closes 4006 when the target answers with ICMP port unreachable, and logs why', async () => {
    const port = await freeUdpPort()
    const logs = captureLogs()
    const { url } = await startRelay({
      route: { game: `udp:127.0.0.1:${port}` },
      logger: logs.logger,
    })
    const client = await connect(`${url}game`)
    client.ws.send(Buffer.from('anyone there?'))
    const reason = `UDP target 127.0.0.1:${port} refused a datagram (ICMP port unreachable).`
    expect(await client.closed()).toEqual({
      code: CloseCode.UDP_TARGET_REFUSED,
      reason,
    })
    await vi.waitFor(() =>
      expect(
        logs.lines.find((l) => l.msg === 'connection closed'),
      ).toMatchObject({
        closeCode: 4006,
        errorCode: 'RELAY_UDP_TARGET_REFUSED',
        transport: 'udp',
        reason,
        datagramsDropped: 0,
      }),
    )
  })

  it('closes 1009 for a message one datagram cannot carry, naming the limit and the flag', async () => {
    const target = await udpEchoServer()
    const { url } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
      maxDatagramSize: 1200,
    })
    const small = await connect(`${url}game`)
    small.ws.send(Buffer.alloc(1200))
    await small.until(() => small.binary.length === 1, 'the 1200-byte echo')
    small.ws.send(Buffer.alloc(1201))
    expect(await small.closed()).toEqual({
      code: CloseCode.MESSAGE_TOO_BIG,
      reason:
        'Message of 1201 bytes is over the UDP datagram limit of 1200 bytes (--max-datagram-size).',
    })
    expect(target.received.map((d) => d.bytes.length)).toEqual([1200])

    const { url: wide } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
    })
    const big = await connect(`${wide}game`)
    big.ws.send(Buffer.alloc(65_508))
    expect(await big.closed()).toEqual({
      code: CloseCode.MESSAGE_TOO_BIG,
      reason:
        'Message of 65508 bytes is over the UDP datagram limit of 65507 bytes (the most one IPv4 datagram carries).',
    })
  })

  it('carries 65,527 bytes in one datagram over IPv6, and refuses one byte more', async () => {
    const v6 = dgram.createSocket('udp6')
    v6.on('message', (datagram, from) =>
      v6.send(datagram, from.port, from.address),
    )
    v6.bind(0, '::1')
    await once(v6, 'listening')
    await track({ close: () => new Promise<void>((r) => v6.close(() => r())) })
    const { url } = await startRelay({
      route: { game: `udp:[::1]:${v6.address().port}` },
    })
    const client = await connect(`${url}game`)
    client.ws.send(Buffer.alloc(65_527, 7))
    await client.until(() => client.binary.length === 1, 'the echo')
    expect(client.binary[0]?.length).toBe(65_527)
    client.ws.send(Buffer.alloc(65_528))
    expect(await client.closed()).toEqual({
      code: CloseCode.MESSAGE_TOO_BIG,
      reason:
        'Message of 65528 bytes is over the UDP datagram limit of 65527 bytes (--max-datagram-size).',
    })
  })

  it('ignores a datagram from any address but the target (the socket is connected)', async () => {
    const target = await udpServer()
    const { url } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
    })
    const client = await connect(`${url}game`)
    client.ws.send(Buffer.from('hello'))
    const { from } = await target.nextDatagram() // the relay's socket, as the target sees it
    // Another port on the same host aims at the relay's socket.
    const spoofer = dgram.createSocket('udp4')
    spoofer.on('error', () => undefined)
    await track({
      close: () => new Promise<void>((r) => spoofer.close(() => r())),
    })
    await new Promise<void>((resolve, reject) =>
      spoofer.send('spoofed', from.port, '127.0.0.1', (err) =>
        err ? reject(err) : resolve(),
      ),
    )
    // The target's own answer, sent after the spoof, is the first to arrive.
    await target.send('genuine', from.port)
    await client.until(() => client.binary.length === 1, 'the genuine datagram')
    await target.send('genuine again', from.port)
    await client.until(() => client.binary.length === 2, 'a second datagram')
    expect(client.binary.map(String)).toEqual(['genuine', 'genuine again'])
  })
})

describe('UDP targets: no backpressure, so drops', () => {
  it('drops what the page does not read past the high-water mark, counts it, and tells a v1 page', async () => {
    // 32 MiB: more than the kernel's TCP buffers toward the page hold, so
    // the relay's own queue for it fills. Sent in small batches: the target
    // shares this process's event loop with the relay.
    const DATAGRAMS = 32 * 1024
    const SIZE = 1024
    const target = await udpServer(({ bytes }, reply) => {
      if (bytes.toString() !== 'flood') return
      let sent = 0
      const batch = (): void => {
        for (let i = 0; i < 64 && sent < DATAGRAMS; i++, sent++)
          reply(Buffer.alloc(SIZE, sent % 256))
        if (sent < DATAGRAMS) setImmediate(batch)
      }
      batch()
    })
    const logs = captureLogs()
    const highWaterMark = 64 * 1024
    const { relay, url, port } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
      highWaterMark,
      metrics: true,
      logger: logs.logger,
    })
    const client = await connect(url, SUBPROTOCOL_V1)
    client.ws.send(JSON.stringify({ type: 'open', route: 'game' }))
    await client.nextControl()
    // The page stops reading: the relay's WebSocket toward it fills up.
    client.ws.pause()
    const floodStarted = Date.now()
    client.ws.send(Buffer.from('flood'))
    await vi.waitFor(
      () => expect(relay.stats().datagramsDropped).toBeGreaterThan(0),
      { timeout: 5000 },
    )
    // Held for this page: never more than the mark, whatever the target sends.
    expect(relay.stats().peakPendingToClient).toBeLessThanOrEqual(highWaterMark)
    const metrics = await (
      await fetch(`http://127.0.0.1:${port}/metrics`)
    ).text()
    const dropped = Number(
      /^wsrelay_datagrams_dropped_total (\d+)$/m.exec(metrics)?.[1],
    )
    expect(dropped).toBeGreaterThan(0)
    client.ws.resume()
    // The notice carries the running totals, as the relay counted them.
    await client.until(
      () =>
        client.control.some(
          (m) =>
            m.type === 'notice' &&
            m.datagrams === relay.stats().datagramsDropped,
        ),
      'a notice with the final count',
    )
    const { datagramsDropped, bytesDropped } = relay.stats()
    expect(client.control.at(-1)).toEqual({
      type: 'notice',
      kind: 'dropped',
      datagrams: datagramsDropped,
      bytes: bytesDropped,
    })
    expect(bytesDropped).toBe(datagramsDropped * SIZE)
    // At most one notice a second, however many datagrams were dropped.
    const notices = client.control.filter((m) => m.type === 'notice').length
    expect(notices).toBeGreaterThan(0)
    expect(notices).toBeLessThanOrEqual(
      Math.ceil((Date.now() - floodStarted) / 1000) + 1,
    )
    // What was not dropped arrived whole, one message per datagram.
    expect(client.binary.every((b) => b.length === SIZE)).toBe(true)
    expect(client.binary.length + datagramsDropped).toBeLessThanOrEqual(
      DATAGRAMS,
    )
    client.ws.close(1000)
    await client.closed()
    await vi.waitFor(() =>
      expect(
        logs.lines.find((l) => l.msg === 'connection closed'),
      ).toMatchObject({ transport: 'udp', datagramsDropped }),
    )
  })
})

describe('UDP targets: the idle timeout (fake clock, real sockets)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('ends a session with no datagram either way after udpIdleTimeout (default 30 s), 4100', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    })
    const target = await udpEchoServer()
    const { url } = await startRelay({
      route: { game: `udp:127.0.0.1:${target.port}` },
      pingInterval: 0,
    })
    const client = await connect(`${url}game`)
    client.ws.send(Buffer.from('tick'))
    await client.until(() => client.binary.length === 1, 'the echo')
    // The watch checks each period: a period with traffic keeps the session.
    vi.advanceTimersByTime(30_000)
    client.ws.send(Buffer.from('tick'))
    await client.until(() => client.binary.length === 2, 'the echo')
    vi.advanceTimersByTime(30_000)
    vi.advanceTimersByTime(29_999)
    expect(client.closedWith).toBeUndefined()
    vi.advanceTimersByTime(1)
    expect(await client.closed()).toEqual({
      code: CloseCode.IDLE_TIMEOUT,
      reason: 'No datagram either way for 30000 ms (--udp-idle-timeout).',
    })
  })
})
