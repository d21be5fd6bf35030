import { connectRelay, type RelayCloseEvent } from '@wsrelay/client'
import { CloseCode } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { freePort, startTcpServer } from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import { createRelay } from './create-relay.js'
import { createHarness } from '../test-support/harness.js'

const { defer } = createHarness()

describe('@wsrelay/client against the real relay', () => {
  it('decodes a character split across two TCP writes as one character', async () => {
    const emoji = Buffer.from('😀', 'utf8') // 4 bytes
    let sendSecondHalf: () => void = () => undefined
    const target = await startTcpServer((socket) => {
      socket.write(emoji.subarray(0, 2))
      // The second half goes out only after the browser saw the first.
      sendSecondHalf = () => socket.end(emoji.subarray(2))
    })
    defer(() => target.close())
    const relay = createRelay({ target: `127.0.0.1:${target.port}` })
    const { url } = await relay.listen()
    defer(() => relay.close())

    const client = connectRelay(url, { WebSocket })
    const texts: string[] = []
    const closed = new Promise<RelayCloseEvent>((resolve) =>
      client.on('close', resolve),
    )
    client.on('message', ({ bytes, text }) => {
      texts.push(text)
      if (bytes.length === 2 && texts.length === 1) sendSecondHalf()
    })

    const close = await closed
    expect(texts).toEqual(['', '😀'])
    expect(close.code).toBe(CloseCode.NORMAL_CLOSURE)
  })

  it('reports a refused target as a sentence with the reason and the hint', async () => {
    const deadPort = await freePort()
    const relay = createRelay({ target: `127.0.0.1:${deadPort}` })
    const { url } = await relay.listen()
    defer(() => relay.close())

    const client = connectRelay(url, { WebSocket })
    const close = await new Promise<RelayCloseEvent>((resolve) =>
      client.on('close', resolve),
    )
    expect(close.message).toBe(
      `Closed 4000 TARGET_REFUSED: Cannot reach TCP target 127.0.0.1:${deadPort} (ECONNREFUSED). ` +
        'Is the TCP server running and listening on that host and port?',
    )
  })

  it('speaks wsrelay.v1 with a token: route, ping, data, then a client-chosen target', async () => {
    const TOKEN = 'abcdef0123456789abcdef'
    const echo = await startTcpServer((socket) => socket.pipe(socket))
    defer(() => echo.close())
    const relay = createRelay({
      route: { echo: `127.0.0.1:${echo.port}` },
      allow: [`127.0.0.1/32:${echo.port}`],
      token: TOKEN,
    })
    const { url } = await relay.listen()
    defer(() => relay.close())

    const routed = connectRelay(url, {
      WebSocket,
      protocol: 'v1',
      token: TOKEN,
    })
    await new Promise((resolve) => routed.on('open', resolve))
    // A route is named, never its address.
    expect(await routed.open({ route: 'echo' })).toEqual({
      type: 'connected',
      route: 'echo',
      url,
      description: 'route echo',
    })
    expect(await routed.ping()).toBeGreaterThanOrEqual(0)
    const echoed = new Promise<string>((resolve) =>
      routed.on('message', ({ text }) => resolve(text)),
    )
    routed.send('via route')
    expect(await echoed).toBe('via route')
    routed.close()

    const chosen = connectRelay(url, {
      WebSocket,
      protocol: 'v1',
      token: TOKEN,
    })
    await new Promise((resolve) => chosen.on('open', resolve))
    expect(await chosen.open({ host: 'localhost', port: echo.port })).toEqual({
      type: 'connected',
      host: 'localhost',
      port: echo.port,
      address: '127.0.0.1',
      url,
      description: `localhost:${echo.port} at 127.0.0.1`,
    })
    // Half-close: our end reaches the echo server as FIN; it ends too; both ends meet.
    const ended = new Promise((resolve) => chosen.on('end', resolve))
    const closed = new Promise<RelayCloseEvent>((resolve) =>
      chosen.on('close', resolve),
    )
    chosen.end()
    await ended
    expect((await closed).message).toBe(
      'Closed 1000 NORMAL_CLOSURE: Both sides ended. Nothing to fix. Connect again to start a new session.',
    )
  })

  it("rejects open() with the relay's reason when a target is not allowed", async () => {
    const relay = createRelay({ allow: ['*:443'] })
    const { url } = await relay.listen()
    defer(() => relay.close())
    const client = connectRelay(url, { WebSocket, protocol: 'v1' })
    await new Promise((resolve) => client.on('open', resolve))
    await expect(
      client.open({ host: '127.0.0.1', port: 22 }),
    ).rejects.toMatchObject({
      code: 'CLIENT_OPEN_FAILED',
      message:
        'Closed 4102 TARGET_NOT_ALLOWED: Target 127.0.0.1:22 is not allowed by this relay. Ask the relay operator to allow it (--allow or --route).',
    })
  })
})
