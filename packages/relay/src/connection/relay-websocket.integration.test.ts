import { once } from 'node:events'
import { CloseCode } from '@wsrelay/protocol'
import { encodeFrame, Opcode, RawConnection } from '@wsrelay/test-kit'
import { describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { createHarness } from '../test-support/harness.js'
import { receiverHeldBytes } from './relay-websocket.js'

const { echoServer, startRelay } = createHarness()

describe('close reasons for frames ws refuses', () => {
  it('says the limit and the flag when a message is too big, where ws says nothing', async () => {
    const echo = await echoServer()
    const { port } = await startRelay({
      target: `127.0.0.1:${echo.port}`,
      maxMessageSize: 1024,
    })
    const conn = await RawConnection.open(port, {
      trailing: encodeFrame({
        opcode: Opcode.BINARY,
        payload: Buffer.alloc(1025),
      }),
    })
    expect(await conn.waitForEnd(3000)).toEqual({
      kind: 'close',
      code: CloseCode.MESSAGE_TOO_BIG,
      reason:
        "Message over the relay's limit of 1024 bytes (--max-message-size).",
    })
    conn.destroy()
  })
})

describe('receiverHeldBytes (reads ws internals; this test fails if ws changes them)', () => {
  it('counts the bytes of a message that has not finished arriving', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    const { port } = wss.address() as { port: number }
    const accepted = once(wss, 'connection')
    const client = new WebSocket(`ws://127.0.0.1:${port}`)
    await once(client, 'open')
    const [server] = (await accepted) as [WebSocket]
    // Two fragments of one message: the first whole, the second only begun.
    client.send(Buffer.alloc(1000, 1), { fin: false })
    const raw = (client as unknown as { _socket: import('node:net').Socket })
      ._socket
    // A continuation frame header announcing 5000 bytes, then 2000 of them (masked by hand).
    const header = Buffer.from([0x80, 0xfe, 0x13, 0x88, 0, 0, 0, 0])
    raw.write(Buffer.concat([header, Buffer.alloc(2000)]))
    const deadline = Date.now() + 2000
    while (receiverHeldBytes(server) < 3000 && Date.now() < deadline)
      await new Promise((r) => setImmediate(r))
    expect(receiverHeldBytes(server)).toBe(1000 + 2000)
    client.terminate()
    wss.close()
  })
})
