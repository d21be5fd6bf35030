/**
 * `pnpm bench`: wsrelay's speed and memory, each as a ratio against a baseline
 * measured in the same run on the same machine.
 *
 * - throughput: 128 MiB echoed through the relay vs. straight over TCP
 * - latency: 2,000 sequential 32-byte round trips, relay vs. straight TCP
 * - slow reader: a target floods 512 MiB at a browser that does not read for
 *   3 s; peak RSS of wsrelay vs. the usual 30-line relay (bench/naive-relay.ts)
 * - connections: 1,000 browsers at once, each echoing once; relay RSS
 *
 * Relays run as child processes so their memory is theirs alone (Linux
 * /proc/PID/status: VmRSS, VmHWM). Loopback only; every loop is bounded.
 * Prints progress on stderr and one JSON line on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'

const MiB = 1024 * 1024
const WSRELAY = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const NAIVE = fileURLToPath(new URL('./naive-relay.js', import.meta.url))
const CHUNK = 64 * 1024

const round1 = (n: number): number => Math.round(n * 10) / 10
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100

const say = (text: string): void => {
  process.stderr.write(`${text}\n`)
}

interface Child {
  proc: ChildProcess
  url: string
  stop(): Promise<void>
}

/** Starts a relay process and waits for its `relay listening` JSON line. */
async function startRelay(script: string, args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string }
      if (entry.msg === 'relay listening' && entry.url) resolve(entry.url)
    })
    proc.once('exit', (code) =>
      reject(new Error(`${script} exited with ${code}`)),
    )
  })
  return {
    proc,
    url,
    async stop() {
      if (proc.exitCode !== null) return
      const exited = once(proc, 'exit')
      proc.kill('SIGTERM')
      await exited
    },
  }
}

/** Resident and peak resident memory of a process, in MiB (Linux). */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN)
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 }
}

async function startServer(
  onSocket: (socket: net.Socket) => void,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
    onSocket(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

const startEcho = () => startServer((socket) => socket.pipe(socket))

/** A duplex byte pipe to the echo server: straight TCP, or a WebSocket through a relay. */
interface Pipe {
  send(chunk: Buffer): boolean | Promise<void>
  onData(listener: (chunk: Buffer) => void): void
  close(): void
}

async function tcpPipe(port: number): Promise<Pipe> {
  const socket = net.connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  await once(socket, 'connect')
  return {
    send: (chunk) =>
      socket.write(chunk) ? true : once(socket, 'drain').then(() => undefined),
    onData: (listener) => socket.on('data', listener),
    close: () => socket.destroy(),
  }
}

async function wsPipe(url: string): Promise<Pipe> {
  const ws = new WebSocket(url, 'binary')
  await once(ws, 'open')
  return {
    send: (chunk) =>
      ws.bufferedAmount < 4 * MiB
        ? (ws.send(chunk), true)
        : new Promise<void>((resolve) => ws.send(chunk, () => resolve())),
    onData: (listener) => ws.on('message', listener),
    close: () => ws.terminate(),
  }
}

/** MiB/s for `total` bytes sent and echoed back. */
async function throughput(pipe: Pipe, total: number): Promise<number> {
  const block = Buffer.alloc(CHUNK, 0x61)
  let received = 0
  const done = new Promise<void>((resolve) =>
    pipe.onData((chunk) => {
      received += chunk.length
      if (received >= total) resolve()
    }),
  )
  const started = process.hrtime.bigint()
  for (let sent = 0; sent < total; sent += CHUNK) {
    const ok = pipe.send(block)
    if (ok !== true) await ok
  }
  await done
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  pipe.close()
  return total / MiB / seconds
}

/** Median and 99th-percentile round trip of `rounds` sequential 32-byte messages, in µs. */
async function latency(
  pipe: Pipe,
  rounds: number,
): Promise<{ p50: number; p99: number }> {
  const message = Buffer.alloc(32, 0x62)
  const times: number[] = []
  let pending: (() => void) | undefined
  let got = 0
  pipe.onData((chunk) => {
    got += chunk.length
    if (got >= message.length) {
      got -= message.length
      pending?.()
    }
  })
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint()
    const back = new Promise<void>((resolve) => (pending = resolve))
    void pipe.send(message)
    await back
    times.push(Number(process.hrtime.bigint() - started) / 1000)
  }
  pipe.close()
  times.sort((a, b) => a - b)
  const at = (q: number): number =>
    Math.round(times[Math.floor(q * (times.length - 1))] ?? NaN)
  return { p50: at(0.5), p99: at(0.99) }
}

/** A target floods `total` bytes; the browser holds off 3 s, then reads. Returns the relay's peak RSS growth. */
async function slowReader(
  script: string,
  args: string[],
  total: number,
): Promise<{ peakMiB: number; deliveredMiB: number }> {
  const block = Buffer.alloc(CHUNK, 0x63)
  const target = await startServer((socket) => {
    let sent = 0
    const pump = (): void => {
      while (sent < total) {
        sent += CHUNK
        if (!socket.write(block)) {
          socket.once('drain', pump)
          return
        }
      }
      socket.end()
    }
    pump()
  })
  const relay = await startRelay(script, [...args, `127.0.0.1:${target.port}`])
  const idle = memoryOf(relay.proc.pid ?? 0).rssMiB
  const ws = new WebSocket(relay.url)
  await once(ws, 'open')
  ws.pause()
  await new Promise((resolve) => setTimeout(resolve, 3000)) // the slow reader's pause
  const { peakMiB } = memoryOf(relay.proc.pid ?? 0)
  let delivered = 0
  ws.on('message', (data: Buffer) => (delivered += data.length))
  const closed = once(ws, 'close')
  ws.resume()
  await Promise.race([
    closed,
    new Promise((resolve) => setTimeout(resolve, 30_000)),
  ])
  ws.terminate()
  await relay.stop()
  target.close()
  return { peakMiB: peakMiB - idle, deliveredMiB: delivered / MiB }
}

async function connections(
  count: number,
): Promise<{ held: number; rssMiB: number; perConnectionKiB: number }> {
  const echo = await startEcho()
  const relay = await startRelay(WSRELAY, [
    '127.0.0.1:0',
    `127.0.0.1:${echo.port}`,
  ])
  const idle = memoryOf(relay.proc.pid ?? 0).rssMiB
  const sockets = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const ws = new WebSocket(relay.url)
      await once(ws, 'open')
      const text = `c${i}`
      ws.send(text)
      const [data] = (await once(ws, 'message')) as [Buffer]
      return data.toString() === text ? ws : undefined
    }),
  )
  const held = sockets.filter((s) => s !== undefined).length
  const { rssMiB } = memoryOf(relay.proc.pid ?? 0)
  for (const ws of sockets) ws?.terminate()
  await relay.stop()
  echo.close()
  return {
    held,
    rssMiB: round1(rssMiB),
    perConnectionKiB: Math.round(((rssMiB - idle) * 1024) / count),
  }
}

async function main(): Promise<void> {
  const echo = await startEcho()
  const relay = await startRelay(WSRELAY, [
    '127.0.0.1:0',
    `127.0.0.1:${echo.port}`,
  ])

  say('throughput: 128 MiB echoed, direct TCP then through wsrelay')
  const directMiBs = await throughput(await tcpPipe(echo.port), 128 * MiB)
  const relayMiBs = await throughput(await wsPipe(relay.url), 128 * MiB)

  say('latency: 2,000 sequential 32-byte round trips')
  const directRtt = await latency(await tcpPipe(echo.port), 2000)
  const relayRtt = await latency(await wsPipe(relay.url), 2000)
  await relay.stop()
  echo.close()

  say(
    'slow reader: 512 MiB flood, browser holds off 3 s (wsrelay, then the 30-line relay)',
  )
  const bounded = await slowReader(WSRELAY, ['127.0.0.1:0'], 512 * MiB)
  const naive = await slowReader(NAIVE, [], 512 * MiB)

  say('connections: 1,000 at once through wsrelay')
  const conns = await connections(1000)

  const result = {
    bench: 'wsrelay',
    node: process.version,
    throughput: {
      directMiBs: round1(directMiBs),
      relayMiBs: round1(relayMiBs),
      relayVsDirect: ratio(relayMiBs, directMiBs),
    },
    latencyUs: {
      directP50: directRtt.p50,
      directP99: directRtt.p99,
      relayP50: relayRtt.p50,
      relayP99: relayRtt.p99,
      relayVsDirectP50: ratio(relayRtt.p50, directRtt.p50),
    },
    slowReader: {
      floodMiB: 512,
      wsrelayPeakGrowthMiB: round1(bounded.peakMiB),
      naivePeakGrowthMiB: round1(naive.peakMiB),
      wsrelayVsNaive: ratio(bounded.peakMiB, naive.peakMiB),
      wsrelayDeliveredMiB: round1(bounded.deliveredMiB),
    },
    connections: { attempted: 1000, ...conns },
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  )
  process.exitCode = 1
})
