import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { CloseCode } from '@wsrelay/protocol'
import { runRelayCli, startTcpServer } from '@wsrelay/test-kit'
import { describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import {
  ChunkWriter,
  hashIncoming,
  sendChunks,
} from './test-support/streams.js'
import { createHarness } from './test-support/harness.js'

const MiB = 1024 * 1024

const { defer, relayProcess } = createHarness()

/** The real `wsrelay` process, its exit code as a promise. */
async function startCli(args: string[]) {
  const relay = await relayProcess(args)
  return {
    ...relay,
    exited: relay.exited.then(({ code }) => code),
  }
}

describe('wsrelay CLI', () => {
  it('on SIGTERM drains streams in flight: all held data both ways, then 1001, FIN, exit 0', async () => {
    const UP = 4 * MiB
    const down = randomBytes(4 * MiB)
    let targetUp: Promise<{ sha256: string; length: number }> | undefined
    const target = await startTcpServer((socket) => {
      targetUp = hashIncoming(socket) // until the relay's FIN
      socket.write(down)
    })
    defer(() => target.close())
    // The drain is what is tested: long enough that a loaded machine never
    // reaches the cut (which would reset the target instead of its FIN).
    const cli = await startCli([
      '--drain-timeout',
      '30000',
      '127.0.0.1:0',
      `127.0.0.1:${target.port}`,
    ])

    const ws = new WebSocket(cli.url)
    const chunks: Buffer[] = []
    let firstByte: () => void = () => undefined
    const gotFirstByte = new Promise<void>((resolve) => (firstByte = resolve))
    ws.on('message', (data: Buffer) => {
      chunks.push(data)
      firstByte()
    })
    const closedWith = once(ws, 'close')
    await once(ws, 'open')
    const sentUp = sendChunks(ws, UP, [65536, 1000, 1])

    await gotFirstByte // both directions are moving
    cli.child.kill('SIGTERM')

    const [code, reason] = (await closedWith) as [number, Buffer]
    expect({ code, reason: reason.toString() }).toEqual({
      code: CloseCode.RELAY_SHUTTING_DOWN,
      reason: 'Relay shutting down.',
    })
    expect(await cli.exited).toBe(0)

    // Browser -> target: every byte the browser sent, then FIN.
    expect(await targetUp).toEqual({ sha256: await sentUp, length: UP })
    // Target -> browser: every byte the relay took from the target, in order.
    const received = Buffer.concat(chunks)
    const closeLine = cli.logs.find((l) => l.msg === 'connection closed')
    expect(closeLine).toMatchObject({
      closeCode: 1001,
      by: 'relay',
      bytesToTarget: UP,
    })
    expect(received.length).toBe(closeLine?.bytesToClient)
    expect(received.equals(down.subarray(0, received.length))).toBe(true)
  }, 60_000)

  it('closes hard after --drain-timeout when a browser never reads, and still exits 0', async () => {
    let writer: ChunkWriter | undefined
    const target = await startTcpServer((socket) => {
      writer = new ChunkWriter(socket, 512 * MiB, [65536])
      void writer.run().catch(() => undefined)
    })
    defer(() => target.close())
    const cli = await startCli([
      '--drain-timeout',
      '300',
      '127.0.0.1:0',
      `127.0.0.1:${target.port}`,
    ])
    const ws = new WebSocket(cli.url)
    ws.on('error', () => undefined)
    await once(ws, 'open')
    ws.pause() // never reads again
    // Everything between target and browser is full: the relay holds bytes it cannot flush.
    await vi.waitFor(() => expect(writer?.isBlocked).toBe(true), {
      timeout: 10_000,
    })

    const signalledAt = Date.now()
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    const tookMs = Date.now() - signalledAt
    expect(tookMs).toBeGreaterThanOrEqual(300)
    expect(tookMs).toBeLessThan(3000)
    ws.terminate()
  }, 30_000)

  it('exits 2 with a one-line hint on bad arguments', async () => {
    const { code, stderr } = await runRelayCli(['8080'])
    expect(code).toBe(2)
    expect(stderr).toBe(
      'wsrelay: Expected a listen address and a target, got 1 argument(s). Example: wsrelay 8080 127.0.0.1:5000\n',
    )
  })
})
