import http from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { CloseCode } from '@wsrelay/protocol'
import { encodeFrame, Opcode, RawConnection } from '@wsrelay/test-kit'
import { describe, expect, it } from 'vitest'
import { createHarness } from '../test-support/harness.js'
import { createHandshake, type Upgraded } from './handshake.js'

const { echoServer, startRelay, defer } = createHarness()

describe('the handshake (ws answers it, then hands the socket over; this test fails if ws changes that)', () => {
  it('gives the relay the socket, the bytes pipelined behind the request and the chosen subprotocol', async () => {
    const handshake = createHandshake((offered) =>
      offered.has('binary') ? 'binary' : false,
    )
    const server = http.createServer()
    let onUpgraded: (upgraded: Upgraded) => void = () => undefined
    const upgraded = new Promise<Upgraded>((resolve) => (onUpgraded = resolve))
    server.on('upgrade', (req, socket, head) =>
      handshake(req, socket, head, onUpgraded),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    defer(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections()
          server.close(() => done())
        }),
    )
    const conn = await RawConnection.open(
      (server.address() as AddressInfo).port,
      {
        protocols: ['binary'],
        trailing: encodeFrame({ opcode: Opcode.BINARY, payload: 'early' }),
      },
    )
    defer(() => conn.destroy())
    const { socket, head, protocol } = await upgraded
    defer(() => socket.destroy())
    expect(conn.head?.status).toBe(101)
    expect(protocol).toBe('binary')
    // ws built no receiver of its own: nobody else reads this socket.
    expect(socket.listenerCount('data')).toBe(0)
    const pipelined =
      head.length > 0 ? head : ((await once(socket, 'data')) as [Buffer])[0]
    // FIN + binary, masked, 5 bytes: the frame as the client sent it.
    expect([...pipelined.subarray(0, 2)]).toEqual([0x82, 0x85])
  })

  it('refuses a handshake offering only unknown subprotocols with HTTP 400, as ws does', async () => {
    const echo = await echoServer()
    const { port } = await startRelay({ target: `127.0.0.1:${echo.port}` })
    const conn = await RawConnection.open(port, { protocols: ['chat'] })
    defer(() => conn.destroy())
    expect(conn.head?.status).toBe(400)
  })
})

describe('close reasons for frames the relay refuses', () => {
  it('says the limit and the flag when a message is too big', async () => {
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
