import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import { once } from 'node:events'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  CLOSE_GRACE_MS,
  createEchoServer,
  type EchoServer,
} from './echo-server.js'

let server: EchoServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(suffix?: string) {
  server = createEchoServer({ suffix })
  const { port } = await server.listen()
  return port
}

/** Connects, writes `data`, half-closes, and resolves with all the server said. */
async function roundTrip(port: number, data: Buffer): Promise<Buffer> {
  const socket = net.connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.end(data)
  await once(socket, 'close')
  return Buffer.concat(chunks)
}

describe('echo server', () => {
  it('echoes bytes exactly by default', async () => {
    const port = await start()
    const data = randomBytes(2 * 1024 * 1024)
    expect((await roundTrip(port, data)).equals(data)).toBe(true)
  })

  it('answers lines with the suffix in line mode', async () => {
    const port = await start(' from the server')
    const reply = await roundTrip(port, Buffer.from('hello\nhéllo\n'))
    expect(reply.toString()).toBe(
      'hello from the server\nhéllo from the server\n',
    )
  })

  it('serves many clients at once, each getting only its own bytes', async () => {
    const port = await start()
    const payloads = Array.from({ length: 50 }, () => randomBytes(64 * 1024))
    const replies = await Promise.all(payloads.map((p) => roundTrip(port, p)))
    replies.forEach((reply, i) =>
      expect(reply.equals(payloads[i] ?? Buffer.alloc(0))).toBe(true),
    )
  })

  it('reports a port in use with a clear error', async () => {
    const port = await start()
    const second = createEchoServer({ port })
    await expect(second.listen()).rejects.toMatchObject({
      code: 'ECHO_LISTEN_FAILED',
      message: `Cannot listen on 127.0.0.1:${port} (EADDRINUSE). Is another server using the port?`,
    })
  })

  it('closes even when a client never closes its side', async () => {
    const port = await start()
    const stubborn = net.connect({
      port,
      host: '127.0.0.1',
      allowHalfOpen: true,
    })
    stubborn.on('error', () => undefined)
    await once(stubborn, 'connect')
    const started = Date.now()
    const closing = server?.close()
    server = undefined
    await once(stubborn, 'end') // the server ended its side; this client does not answer
    await closing // resolves after CLOSE_GRACE_MS instead of waiting forever
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(CLOSE_GRACE_MS - 50)
    expect(took).toBeLessThan(CLOSE_GRACE_MS + 1000)
    stubborn.destroy()
  })

  it('answers UDP beside TCP with --udp: one datagram back per datagram, to its sender', async () => {
    server = createEchoServer({ udpPort: 0, suffix: ' from the server' })
    const { port, udpPort } = await server.listen()
    expect(udpPort).toBeGreaterThan(0)
    const client = dgram.createSocket('udp4')
    client.bind(0, '127.0.0.1')
    await once(client, 'listening')
    const answers: string[] = []
    client.on('message', (m) => answers.push(m.toString()))
    for (const text of ['hello\n', 'one\ntwo', 'héllo'])
      client.send(text, udpPort ?? 0, '127.0.0.1')
    while (answers.length < 3) await once(client, 'message')
    expect(answers).toEqual([
      'hello from the server\n',
      'one from the server\ntwo from the server',
      'héllo from the server',
    ])
    client.close()
    // The TCP side is unchanged.
    expect((await roundTrip(port, Buffer.from('tcp\n'))).toString()).toBe(
      'tcp from the server\n',
    )
  })

  it('echoes datagrams byte for byte without --suffix', async () => {
    server = createEchoServer({ udpPort: 0 })
    const { udpPort } = await server.listen()
    const client = dgram.createSocket('udp4')
    const sizes = [0, 1, 1200, 65_507]
    const got: Buffer[] = []
    client.on('message', (m) => got.push(m))
    const sent = sizes.map((n) => randomBytes(n))
    for (const bytes of sent) client.send(bytes, udpPort ?? 0, '127.0.0.1')
    while (got.length < sizes.length) await once(client, 'message')
    expect(got).toEqual(sent)
    client.close()
  })

  it('reports a UDP port in use with a clear error', async () => {
    const taken = dgram.createSocket('udp4')
    taken.bind(0, '127.0.0.1')
    await once(taken, 'listening')
    const udpPort = taken.address().port
    const second = createEchoServer({ udpPort })
    await expect(second.listen()).rejects.toMatchObject({
      code: 'ECHO_LISTEN_FAILED',
      message: `Cannot bind UDP 127.0.0.1:${udpPort} (EADDRINUSE). Is another server using the port?`,
    })
    taken.close()
  })
})
