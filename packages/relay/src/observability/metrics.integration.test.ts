import { CloseCode } from '@wsrelay/protocol'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { startEchoServer } from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import { closed, openWebSocket, readBytes } from '../test-support/sockets.js'
import { createHarness } from '../test-support/harness.js'

const { track, startRelay } = createHarness()

const metricsOf = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text: await res.text(),
  }
}

describe('metrics', () => {
  it('are off unless asked for', async () => {
    const { port } = await startRelay({ target: '127.0.0.1:9' })
    expect((await metricsOf(port)).status).not.toBe(200)
  })

  it('count bytes, closes by code and refusals at GET /metrics', async () => {
    const echo = await track(startEchoServer())
    const { port, url } = await startRelay({
      target: `127.0.0.1:${echo.port}`,
      metrics: true,
    })

    const ws = await openWebSocket(url)
    ws.send('hello')
    await readBytes(ws, 5)
    const live = await metricsOf(port)
    expect(live.type).toMatch(/^text\/plain/)
    expect(live.text).toContain('wsrelay_connections 1\n')
    expect(live.text).toContain(
      'wsrelay_bytes_total{direction="to_target"} 5\n',
    )

    const ended = closed(ws)
    ws.close(1000, 'bye')
    await ended
    const refused = new WebSocket(url, { origin: 'https://evil.example' })
    refused.on('error', () => undefined)
    const [refusedCode] = (await once(refused, 'close')) as [number]
    expect(refusedCode).toBe(CloseCode.ORIGIN_NOT_ALLOWED)

    await expect
      .poll(async () => (await metricsOf(port)).text)
      .toContain('wsrelay_connections 0\n')
    const { text } = await metricsOf(port)
    expect(text).toContain('wsrelay_bytes_total{direction="to_target"} 5\n')
    expect(text).toContain('wsrelay_bytes_total{direction="to_client"} 5\n')
    expect(text).toContain('wsrelay_connections_closed_total{code="1000"} 1\n')
    expect(text).toContain(
      'wsrelay_connections_refused_total{reason="origin"} 1\n',
    )
    expect(text).toContain('wsrelay_process_resident_memory_bytes')
  })
})
