import { connectRelay, type RelayCloseEvent } from '@wsrelay/client'
import { CloseCode } from '@wsrelay/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createRelay } from './relay.js'
import { freePort, startTcpServer } from './test-support/sockets.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('@wsrelay/client against the real relay', () => {
  it('decodes a character split across two TCP writes as one character', async () => {
    const emoji = Buffer.from('😀', 'utf8') // 4 bytes
    let sendSecondHalf: () => void = () => undefined
    const target = await startTcpServer((socket) => {
      socket.write(emoji.subarray(0, 2))
      // The second half goes out only after the browser saw the first.
      sendSecondHalf = () => socket.end(emoji.subarray(2))
    })
    cleanups.push(() => target.close())
    const relay = createRelay({ target: `127.0.0.1:${target.port}` })
    const { url } = await relay.listen()
    cleanups.push(() => relay.close())

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
    cleanups.push(() => relay.close())

    const client = connectRelay(url, { WebSocket })
    const close = await new Promise<RelayCloseEvent>((resolve) =>
      client.on('close', resolve),
    )
    expect(close.message).toBe(
      `Closed 4000 TARGET_REFUSED: Cannot reach TCP target 127.0.0.1:${deadPort} (ECONNREFUSED). ` +
        'Is the TCP server running and listening on that host and port?',
    )
  })
})
