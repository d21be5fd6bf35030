import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { CloseCode } from '@wsrelay/protocol'
import { freePort, runRelayCli, startTcpServer } from '@wsrelay/test-kit'
import { describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import {
  ChunkWriter,
  hashIncoming,
  sendChunks,
} from './test-support/streams.js'
import { createHarness } from './test-support/harness.js'

const MiB = 1024 * 1024

const { defer, echoServer, relayProcess, tcpServer } = createHarness()

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
      'wsrelay: Expected a listen address and a target, got only "8080". Example: wsrelay 8080 127.0.0.1:5000\n',
    )
  })
})

/** The command after `label` in an EADDRINUSE message, as argv for the CLI. */
function suggested(stderr: string, label: string): string[] {
  const line = stderr.split('\n').find((l) => l.includes(label)) ?? ''
  const command = line.slice(line.indexOf(label) + label.length).trim()
  expect(command).toMatch(/^wsrelay /)
  return command.split(' ').slice(1)
}

/** Runs a suggested command and proves it works: it listens and relays to the echo server. */
async function runsAndEchoes(args: string[]) {
  const relay = await relayProcess(args)
  const ws = new WebSocket(relay.url)
  await once(ws, 'open')
  ws.send(Buffer.from('works'))
  const [data] = (await once(ws, 'message')) as [Buffer]
  expect(data.toString()).toBe('works')
  ws.close()
}

describe('a listen port already taken (EADDRINUSE)', () => {
  it('by another process: suggests the same command on a port that is free, and that command works', async () => {
    const echo = await echoServer()
    const holder = await tcpServer(() => undefined)
    const { code, stderr } = await runRelayCli([
      '--max-connections',
      '100',
      String(holder.port),
      `127.0.0.1:${echo.port}`,
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(
      new RegExp(
        `^wsrelay: Cannot listen on 127\\.0\\.0\\.1:${holder.port} \\(EADDRINUSE\\): another process uses that port\\.\n  Stop it, or listen on a free port:  wsrelay --max-connections 100 \\d+ 127\\.0\\.0\\.1:${echo.port}\n$`,
      ),
    )
    const args = suggested(stderr, 'listen on a free port:')
    expect(Number(args[2])).toBeGreaterThan(holder.port)
    await runsAndEchoes(args)
  })

  it('by another wsrelay: says so, and suggests a free port', async () => {
    const echo = await echoServer()
    const first = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const { code, stderr } = await runRelayCli([
      String(first.port),
      `127.0.0.1:${echo.port}`,
    ])
    expect(code).toBe(1)
    expect(stderr).toContain(
      `Cannot listen on 127.0.0.1:${first.port} (EADDRINUSE): another wsrelay is already listening there (its /healthz answers).\n  Stop it, or listen on a free port:  wsrelay `,
    )
    await runsAndEchoes(suggested(stderr, 'listen on a free port:'))
  })

  it('by the TCP server given first: offers the swap, which works, besides a free port', async () => {
    const echo = await echoServer()
    const free = await freePort()
    const { code, stderr } = await runRelayCli([
      `127.0.0.1:${echo.port}`,
      `127.0.0.1:${free}`,
    ])
    expect(code).toBe(1)
    const swap = suggested(stderr, 'then the server):')
    expect(swap).toEqual([`127.0.0.1:${free}`, `127.0.0.1:${echo.port}`])
    await runsAndEchoes(swap)
  })

  it('never offers a swap for a bare listen port (the second argument would not be a target)', async () => {
    const holder = await tcpServer(() => undefined)
    const { stderr } = await runRelayCli([
      String(holder.port),
      `127.0.0.1:${await freePort()}`,
    ])
    expect(stderr).toContain('another process uses that port')
    expect(stderr).not.toContain('swap')
  })
})
