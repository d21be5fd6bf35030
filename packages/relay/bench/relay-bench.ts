/**
 * `pnpm bench`: wsrelay against plain TCP, three peers on the same ws
 * library and a Go relay on gorilla/websocket (the reference: what a user
 * would pick instead), all measured in the same run by a load generator
 * written in C (bench/loadgen.c) against a C echo target
 * (bench/echo-target.c), so that neither end of the pipe is what limits a
 * figure.
 *
 *   pnpm bench [--quick] [--json] [--runs N] [--profile]
 *
 * Every server runs as its own child process on 127.0.0.1 port 0, so its CPU
 * time and memory are its own (Linux /proc/PID/stat and /proc/PID/status).
 * Progress goes to stderr; the table (or JSON) to stdout. Exits 1 when any
 * peer failed to move the bytes intact. docs/performance.md explains the method.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  startProcess,
  startRelayProcess,
  type RelayProcess,
} from '@wsrelay/test-kit'
import {
  meetsGoal,
  median,
  parseCpuTimes,
  parseProcStat,
  parseProcStatus,
  profileByLayer,
  spreadPercent,
  summarizeProfile,
  type CpuProfile,
  type Goal,
  type HotSpot,
} from './bench-stats.js'

const MiB = 1024 * 1024
const HERE = path.dirname(fileURLToPath(import.meta.url))
const SOURCES = path.resolve(HERE, '../bench')
const WSRELAY_CLI = path.resolve(HERE, '../dist/cli.js')
const LOADGEN = path.join(HERE, 'loadgen')
const ECHO_TARGET = path.join(HERE, 'echo-target')
const GO_RELAY = path.join(HERE, 'go-relay')
const UDP_LOADGEN = path.join(HERE, 'udp-loadgen')
const UDP_ECHO_TARGET = path.join(HERE, 'udp-echo-target')
const TICKS_PER_SECOND = Number(
  spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || 100,
)

const USAGE = `Usage: pnpm bench [--quick] [--json] [--runs N] [--profile] [--peers LIST]

  --quick       every row once at small sizes (under a minute); asserts nothing
                about speed, exits 1 if any peer did not move the bytes intact
  --json        print the results as JSON instead of a Markdown table
  --runs N      runs to take the median of (default 3; 1 with --quick)
  --profile     also profile wsrelay (node --cpu-prof) under the throughput
                load and print its hottest functions
  --peers LIST  measure only these peers (comma-separated: tcp, ws-echo,
                backpressure, naive, go, wsrelay); the rest show "-"
`

// ---------- sizes ----------

interface Sizes {
  throughputBytes: number
  messageSizes: number[]
  latencyRoundTrips: number
  connections: number
  pingPongSeconds: number
  idleConnections: number
  floodBytes: number
  holdMs: number
  /** UDP rows: 64 B datagrams each way, at most `udpWindow` unanswered. */
  udpDatagrams: number
  udpWindow: number
}

const FULL: Sizes = {
  throughputBytes: 256 * MiB,
  messageSizes: [64 * 1024, 16 * 1024],
  latencyRoundTrips: 20_000,
  connections: 1000,
  pingPongSeconds: 2,
  idleConnections: 10_000,
  floodBytes: 512 * MiB,
  holdMs: 3000,
  udpDatagrams: 200_000,
  udpWindow: 64,
}

const QUICK: Sizes = {
  throughputBytes: 8 * MiB,
  messageSizes: [64 * 1024, 16 * 1024],
  latencyRoundTrips: 500,
  connections: 100,
  pingPongSeconds: 0.3,
  idleConnections: 200,
  floodBytes: 16 * MiB,
  holdMs: 300,
  udpDatagrams: 5_000,
  udpWindow: 64,
}

// ---------- peers ----------

type PeerId =
  | 'tcp'
  | 'ws-echo'
  | 'backpressure'
  | 'naive'
  | 'go'
  | 'wsrelay'
  | 'wsrelay-workers'

const PEERS: readonly { id: PeerId; title: string }[] = [
  { id: 'tcp', title: 'plain TCP' },
  { id: 'ws-echo', title: 'ws echo server, no relay' },
  { id: 'backpressure', title: 'ws relay with backpressure (60 lines)' },
  { id: 'naive', title: '20-line ws relay' },
  { id: 'go', title: 'Go relay (gorilla/websocket)' },
  { id: 'wsrelay', title: 'wsrelay' },
  { id: 'wsrelay-workers', title: 'wsrelay --workers 2' },
]
/** Every peer but `--workers`, which only the connections rows measure. */
const SINGLE_PROCESS_PEERS: readonly PeerId[] = PEERS.map((p) => p.id).filter(
  (id) => id !== 'wsrelay-workers',
)
/** Worker processes of the wsrelay-workers peer. */
const WORKERS = 2
const indexOf = (id: PeerId): number => PEERS.findIndex((p) => p.id === id)
/** The peer wsrelay's goals are stated against. */
const REFERENCE: PeerId = 'go'

const BENCH_STARTED_AT = Date.now()
/** Without --runs, runs stop early rather than let a busy machine push the whole bench past 10 minutes. */
const RUNS_BUDGET_S = 480

/** Before each run, wait up to this long for other processes to leave the CPUs alone. */
const QUIET_WAIT_S = 180
/** Quiet: other processes use less than this many cores. */
const QUIET_CORES = 0.25
/** How long one look at the machine's other load lasts. */
const LOAD_SAMPLE_MS = 2000

const say = (text: string): void => {
  const seconds = ((Date.now() - BENCH_STARTED_AT) / 1000)
    .toFixed(0)
    .padStart(4)
  process.stderr.write(`[${seconds} s] ${text}\n`)
}

/** A child process started through bash (to raise its open-file limit) and optionally pinned. */
interface Child {
  proc: ChildProcess
  pid: number
  lines: Interface
  stop(): Promise<void>
}

/**
 * The argv every bench process runs under: the soft open-file limit raised to
 * the hard one (10,000 relayed connections take 20,000 descriptors in the
 * relay), and `taskset -c 0` when pinned. Both exec, so the pid is the program's.
 */
const wrapperOf = (pinned: boolean): string[] => [
  'bash',
  '-c',
  'ulimit -n "$(ulimit -Hn)" && exec "$@"',
  'bash',
  ...(pinned ? ['taskset', '-c', '0'] : []),
]

function start(command: string, args: string[], pinned: boolean): Child {
  const [shell = 'bash', ...wrapper] = wrapperOf(pinned)
  const proc = spawn(shell, [...wrapper, command, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  proc.on('error', (err) => say(`could not start ${command}: ${err.message}`))
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
  return {
    proc,
    pid: proc.pid ?? 0,
    lines,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = once(proc, 'exit')
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** The first stdout line of `child` that `pick` accepts, or a clear error. */
async function firstLine<T>(
  child: Child,
  what: string,
  pick: (entry: Record<string, unknown>) => T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`${what} printed nothing useful within ${timeoutMs} ms`),
        ),
      timeoutMs,
    )
    const onLine = (line: string): void => {
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        return // not JSON: a log line of another shape
      }
      const value = pick(entry)
      if (value === undefined) return
      clearTimeout(timer)
      child.lines.off('line', onLine)
      resolve(value)
    }
    child.lines.on('line', onLine)
    child.proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${code} before it was ready`))
    })
  })
}

/** The C echo target (or flood target), started on 127.0.0.1 port 0. */
async function startTarget(
  pinned: boolean,
  floodBytes?: number,
): Promise<{ child: Child; port: number }> {
  const child = start(
    ECHO_TARGET,
    floodBytes ? ['--flood', String(floodBytes)] : [],
    pinned,
  )
  const port = await firstLine(child, 'echo-target', (e) =>
    typeof e.port === 'number' ? e.port : undefined,
  )
  return { child, port }
}

interface Peer {
  id: PeerId
  /** The process under test, if there is one besides the C target. */
  child?: RelayProcess
  port: number
  ws: boolean
  stop(): Promise<void>
}

interface PeerOptions {
  pinned?: boolean
  nodeFlags?: string[]
  relayFlags?: string[]
  floodBytes?: number
}

/** Starts a fresh target and, unless the peer is plain TCP, the server under test in front of it. */
async function startPeer(id: PeerId, options: PeerOptions = {}): Promise<Peer> {
  const pinned = options.pinned ?? false
  const target = await startTarget(pinned, options.floodBytes)
  const targetAddress = `127.0.0.1:${target.port}`
  if (id === 'tcp') {
    return { id, port: target.port, ws: false, stop: () => target.child.stop() }
  }
  // Every peer (wsrelay at its default info level, the baselines and the Go
  // relay) logs {"msg":"relay listening","url":...} once it listens.
  const startServer = async (): Promise<RelayProcess> => {
    if (id === 'go') {
      const watched = await startProcess({
        command: GO_RELAY,
        args: [targetAddress],
        wrapper: wrapperOf(pinned),
        name: 'go-relay',
        readyTimeoutMs: 15_000,
        ready: (_line, json) =>
          json?.msg === 'relay listening' && typeof json.url === 'string'
            ? json.url
            : undefined,
      })
      return {
        ...watched,
        url: watched.ready,
        port: Number(new URL(watched.ready).port),
      }
    }
    const peers: Record<Exclude<PeerId, 'tcp' | 'go'>, [string, string[]]> = {
      'ws-echo': [path.join(HERE, 'ws-echo-server.js'), []],
      backpressure: [path.join(HERE, 'backpressure-relay.js'), [targetAddress]],
      naive: [path.join(HERE, 'naive-relay.js'), [targetAddress]],
      wsrelay: [
        WSRELAY_CLI,
        [...(options.relayFlags ?? []), '127.0.0.1:0', targetAddress],
      ],
      'wsrelay-workers': [
        WSRELAY_CLI,
        [
          '--workers',
          String(WORKERS),
          ...(options.relayFlags ?? []),
          '127.0.0.1:0',
          targetAddress,
        ],
      ],
    }
    const [program, args] = peers[id]
    // The test kit's one relay starter.
    return startRelayProcess(args, {
      program,
      nodeFlags: options.nodeFlags,
      wrapper: wrapperOf(pinned),
      startTimeoutMs: 15_000,
    })
  }
  let child: RelayProcess
  try {
    child = await startServer()
  } catch (err) {
    await target.child.stop()
    throw err
  }
  return {
    id,
    child,
    port: child.port,
    ws: true,
    async stop() {
      await child.stop()
      await target.child.stop()
    },
  }
}

/** CPU seconds of the bench and of every child it has reaped (peers, targets, generators). */
const ownCpuSeconds = (): number =>
  parseProcStat(readFileSync('/proc/self/stat', 'utf8'), TICKS_PER_SECOND, true)
const cpuOf = (pid: number): number =>
  parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), TICKS_PER_SECOND)
const memoryOf = (pid: number) =>
  parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'))

/** Resets the peak-RSS mark (proc(5): clear_refs "5"), so VmHWM covers only what follows. */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not allowed here: the peak then also covers start-up, which only overstates growth.
  }
}

// ---------- the load generator ----------

type LoadResult = Record<string, number | string | boolean>

async function loadgen(
  mode: string,
  peer: Peer,
  args: (string | number)[],
  pinned = false,
): Promise<LoadResult> {
  const argv = [
    mode,
    '--port',
    String(peer.port),
    ...(peer.ws ? ['--ws'] : []),
    ...args.map(String),
  ]
  const child = start(LOADGEN, argv, pinned)
  const output: string[] = []
  child.lines.on('line', (line) => output.push(line))
  const [code] = (await once(child.proc, 'exit')) as [number | null]
  const last = output.at(-1)
  if (last === undefined)
    throw new Error(`loadgen ${mode} printed nothing (exit ${code})`)
  const result = JSON.parse(last) as LoadResult
  if (code !== 0 || result.ok !== true) {
    throw new Error(`loadgen ${mode} failed (exit ${code}): ${last}`)
  }
  return result
}

// ---------- scenarios ----------

/** Figures of one peer in one run; a missing figure did not apply or failed. */
type Figures = Record<string, number | string>

interface RunContext {
  sizes: Sizes
  failures: string[]
}

async function attempt(
  ctx: RunContext,
  label: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body()
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    ctx.failures.push(`${label}: ${message}`)
    say(`  FAILED ${label}: ${message}`)
  }
}

async function throughputAndLatency(
  ctx: RunContext,
  id: PeerId,
  out: Figures,
): Promise<void> {
  const peer = await startPeer(id)
  try {
    // What the server holds once it listens, before its first connection.
    if (peer.child) out.startRssMiB = memoryOf(peer.child.pid).rssBytes / MiB
    // Every peer gets the same warm-up, so a JIT's first compiles are not
    // counted against it (the latency rows warm up the same way).
    await attempt(ctx, `${id} warm-up`, async () => {
      await loadgen('throughput', peer, [
        '--size',
        ctx.sizes.messageSizes[0] ?? 65536,
        '--total',
        ctx.sizes.throughputBytes / 8,
      ])
    })
    for (const size of ctx.sizes.messageSizes) {
      const key = `throughput${size / 1024}k`
      await attempt(ctx, `${id} ${key}`, async () => {
        const before = peer.child ? cpuOf(peer.child.pid) : 0
        const r = await loadgen('throughput', peer, [
          '--size',
          size,
          '--total',
          ctx.sizes.throughputBytes,
        ])
        out[`${key}MBps`] = Number(r.mbPerSecond)
        out[`${key}LoadgenBusy`] = Number(r.cpuSeconds) / Number(r.seconds)
        if (peer.child) {
          // CPU seconds per 256 MiB, whatever the size of this run.
          out[`${key}CpuSeconds`] =
            ((cpuOf(peer.child.pid) - before) * (256 * MiB)) /
            ctx.sizes.throughputBytes
        }
      })
    }
    await attempt(ctx, `${id} latency`, async () => {
      const r = await loadgen('latency', peer, [
        '--size',
        64,
        '--count',
        ctx.sizes.latencyRoundTrips,
      ])
      out.latencyP50Us = Number(r.p50Us)
      out.latencyP99Us = Number(r.p99Us)
      out.latencyP999Us = Number(r.p999Us)
    })
  } finally {
    await peer.stop()
  }
}

async function pinnedLatency(
  ctx: RunContext,
  id: PeerId,
  out: Figures,
): Promise<void> {
  const peer = await startPeer(id, { pinned: true })
  try {
    await attempt(ctx, `${id} pinned latency`, async () => {
      const r = await loadgen(
        'latency',
        peer,
        ['--size', 64, '--count', ctx.sizes.latencyRoundTrips],
        true,
      )
      out.pinnedP50Us = Number(r.p50Us)
      out.pinnedP99Us = Number(r.p99Us)
      out.pinnedP999Us = Number(r.p999Us)
    })
  } finally {
    await peer.stop()
  }
}

async function manyConnections(
  ctx: RunContext,
  id: PeerId,
  out: Figures,
): Promise<void> {
  const peer = await startPeer(id)
  try {
    // The same warm-up for every peer: a quarter of the connections, once.
    await attempt(ctx, `${id} connections warm-up`, async () => {
      await loadgen('conns', peer, [
        '--count',
        Math.ceil(ctx.sizes.connections / 4),
        '--seconds',
        0.2,
        '--size',
        64,
      ])
    })
    await attempt(
      ctx,
      `${id} ${ctx.sizes.connections} connections`,
      async () => {
        const r = await loadgen('conns', peer, [
          '--count',
          ctx.sizes.connections,
          '--seconds',
          ctx.sizes.pingPongSeconds,
          '--size',
          64,
        ])
        out.connsOpenSeconds = Number(r.openSeconds)
        out.connsRoundTripsPerSecond = Number(r.roundTripsPerSecond)
        out.connsP99Us = Number(r.p99Us)
      },
    )
  } finally {
    await peer.stop()
  }
}

/**
 * How many idle connections every peer can hold on this machine: two
 * descriptors each under the open-file hard limit, and no more than
 * wsrelay's own connection limit there (it keeps descriptors in reserve to
 * answer refusals, and says the limit in force in `relay listening`), so
 * that each peer holds the same count and wsrelay refuses the one after it.
 */
async function idleCount(wanted: number): Promise<number> {
  const hard = Number(
    spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim(),
  )
  let count = Number.isFinite(hard)
    ? Math.min(wanted, Math.floor((hard - 200) / 2 / 100) * 100)
    : wanted
  const peer = await startPeer('wsrelay', {
    relayFlags: ['--max-connections', String(count)],
  })
  try {
    const listening = (peer.child?.stdout() ?? '')
      .split('\n')
      .map((line): Record<string, unknown> | undefined => {
        try {
          return JSON.parse(line) as Record<string, unknown>
        } catch {
          return undefined
        }
      })
      .find((json) => json?.msg === 'relay listening')
    const held = Number(listening?.maxConnections)
    if (Number.isFinite(held) && held < count)
      count = Math.floor(held / 100) * 100
  } finally {
    await peer.stop()
  }
  return count
}

async function idleConnections(
  ctx: RunContext,
  id: PeerId,
  count: number,
  out: Figures,
): Promise<void> {
  // wsrelay's limit is set to the count held, so the next one must be refused.
  const peer = await startPeer(id, {
    relayFlags: id === 'wsrelay' ? ['--max-connections', String(count)] : [],
  })
  try {
    await attempt(ctx, `${id} ${count} idle connections`, async () => {
      const before = peer.child ? memoryOf(peer.child.pid).rssBytes : 0
      const child = start(
        LOADGEN,
        [
          'idle',
          '--port',
          String(peer.port),
          ...(peer.ws ? ['--ws'] : []),
          '--count',
          String(count),
          // Paced, so the figure is memory held, not how a listen backlog
          // copes with 10,000 SYNs at once (the 1,000-connection row does that).
          '--concurrency',
          '500',
          '--timeout-ms',
          '120000',
        ],
        false,
      )
      const exited = once(child.proc, 'exit')
      try {
        const held = await firstLine(
          child,
          'loadgen idle',
          (e) => (e.mode === 'idle' ? e : undefined),
          130_000,
        )
        if (held.ok !== true)
          throw new Error(
            `only ${String(held.ready)} of ${count} connections opened and echoed`,
          )
        out.idleOpenSeconds = Number(held.openSeconds)
        if (peer.child) {
          const rss = memoryOf(peer.child.pid).rssBytes
          out.idleRssMiB = rss / MiB
          out.idlePerConnectionKiB = (rss - before) / 1024 / count
          // Where the descriptor limit stops short of the goal's count.
          out.idleRssGoalMiB =
            (rss + ((rss - before) / count) * (IDLE_GOAL_CONNECTIONS - count)) /
            MiB
        }
        const extraLine = firstLine(
          child,
          'loadgen extra',
          (e) => (e.mode === 'extra' ? e : undefined),
          15_000,
        )
        child.proc.stdin?.write('extra\n')
        const extra = await extraLine
        out.extraOutcome =
          extra.outcome === 'closed'
            ? `closed ${String(extra.closeCode)} ${String(extra.reason)}`.trim()
            : String(extra.outcome)
        if (
          id === 'wsrelay' &&
          extra.outcome !== 'closed' &&
          extra.outcome !== 'failed'
        ) {
          throw new Error(
            `connection ${count + 1} over --max-connections ${count} was not refused (${String(extra.outcome)})`,
          )
        }
      } finally {
        child.proc.stdin?.end('quit\n')
        await exited
      }
    })
  } finally {
    await peer.stop()
  }
}

async function slowReader(
  ctx: RunContext,
  id: PeerId,
  out: Figures,
): Promise<void> {
  const peer = await startPeer(id, { floodBytes: ctx.sizes.floodBytes })
  try {
    await attempt(ctx, `${id} slow reader`, async () => {
      const pid = peer.child?.pid ?? 0
      const before = memoryOf(pid).rssBytes
      resetPeak(pid)
      const args = [
        'slow',
        '--port',
        String(peer.port),
        ...(peer.ws ? ['--ws'] : []),
      ]
      args.push(
        '--hold-ms',
        String(ctx.sizes.holdMs),
        '--expect',
        String(ctx.sizes.floodBytes),
        '--timeout-ms',
        '120000',
      )
      const child = start(LOADGEN, args, false)
      const output: string[] = []
      child.lines.on('line', (line) => output.push(line))
      const exited = once(child.proc, 'exit')
      // The peak while the reader holds off is what backpressure bounds; the
      // peak until every byte is read also counts the relay's own garbage.
      await firstLine(
        child,
        'loadgen slow',
        (e) => (e.mode === 'held' ? true : undefined),
        30_000,
      )
      out.slowHeldGrowthMiB =
        Math.max(0, memoryOf(pid).peakRssBytes - before) / MiB
      child.proc.stdin?.end('go\n')
      const [code] = (await exited) as [number | null]
      const last = output.at(-1) ?? ''
      if (code !== 0)
        throw new Error(`loadgen slow failed (exit ${code}): ${last}`)
      out.slowGrowthMiB = Math.max(0, memoryOf(pid).peakRssBytes - before) / MiB
    })
  } finally {
    await peer.stop()
  }
}

// ---------- UDP targets ----------

type UdpPeerId = 'udp' | 'wsrelay-udp'

const UDP_PEERS: readonly { id: UdpPeerId; title: string }[] = [
  { id: 'udp', title: 'direct UDP' },
  { id: 'wsrelay-udp', title: 'wsrelay, UDP target' },
]

/** The C UDP echo target, on 127.0.0.1 port 0. */
async function startUdpTarget(): Promise<{ child: Child; port: number }> {
  const child = start(UDP_ECHO_TARGET, [], false)
  const port = await firstLine(child, 'udp-echo-target', (e) =>
    typeof e.port === 'number' ? e.port : undefined,
  )
  return { child, port }
}

/** Runs the direct UDP load generator; its JSON line, or an error. */
async function udpLoadgen(
  mode: string,
  port: number,
  args: (string | number)[],
): Promise<LoadResult> {
  const child = start(
    UDP_LOADGEN,
    [mode, '--port', String(port), ...args.map(String)],
    false,
  )
  const output: string[] = []
  child.lines.on('line', (line) => output.push(line))
  const [code] = (await once(child.proc, 'exit')) as [number | null]
  const last = output.at(-1) ?? ''
  if (code !== 0 || !last.includes('"ok":true'))
    throw new Error(`udp-loadgen ${mode} failed (exit ${code}): ${last}`)
  return JSON.parse(last) as LoadResult
}

/**
 * 64 B datagrams: how many a second with a window in flight, and the round
 * trip, straight over UDP and through wsrelay to a UDP target (the load
 * generator's WebSocket to the relay, the relay's UDP socket to the same C
 * echo target). One message is one datagram each way.
 */
async function udpTargets(
  ctx: RunContext,
  id: UdpPeerId,
  out: Figures,
): Promise<void> {
  const { udpDatagrams, udpWindow, latencyRoundTrips } = ctx.sizes
  const target = await startUdpTarget()
  let relay: RelayProcess | undefined
  try {
    if (id === 'udp') {
      await attempt(ctx, 'udp datagrams/s', async () => {
        const r = await udpLoadgen('throughput', target.port, [
          '--size',
          64,
          '--total',
          64 * udpDatagrams,
          '--window',
          udpWindow,
        ])
        out.udpDatagramsPerSecond = Number(r.datagramsPerSecond)
      })
      await attempt(ctx, 'udp latency', async () => {
        const r = await udpLoadgen('latency', target.port, [
          '--size',
          64,
          '--count',
          latencyRoundTrips,
        ])
        out.udpP50Us = Number(r.p50Us)
        out.udpP99Us = Number(r.p99Us)
      })
      return
    }
    relay = await startRelayProcess(
      ['127.0.0.1:0', `udp:127.0.0.1:${target.port}`],
      { program: WSRELAY_CLI, wrapper: wrapperOf(false) },
    )
    const peer: Peer = {
      id: 'wsrelay',
      port: relay.port,
      ws: true,
      stop: () => Promise.resolve(),
    }
    await attempt(ctx, 'wsrelay-udp datagrams/s', async () => {
      // The window in bytes: the same number of 64 B datagrams in flight.
      const r = await loadgen('throughput', peer, [
        '--size',
        64,
        '--total',
        64 * udpDatagrams,
        '--window',
        64 * udpWindow,
      ])
      out.udpDatagramsPerSecond = Number(r.bytes) / 64 / Number(r.seconds)
    })
    await attempt(ctx, 'wsrelay-udp latency', async () => {
      const r = await loadgen('latency', peer, [
        '--size',
        64,
        '--count',
        latencyRoundTrips,
      ])
      out.udpP50Us = Number(r.p50Us)
      out.udpP99Us = Number(r.p99Us)
    })
  } finally {
    await relay?.stop()
    await target.child.stop()
  }
}

interface UdpRow {
  label: string
  key: string
  show: 'ratio' | 'raw'
  better: 'higher' | 'lower'
  format: (n: number) => string
}

function udpRows(sizes: Sizes): UdpRow[] {
  return [
    {
      label: `64 B datagrams/s, ${sizes.udpWindow} in flight`,
      key: 'udpDatagramsPerSecond',
      show: 'ratio',
      better: 'higher',
      format: (n) => fmt(n),
    },
    {
      label: '64 B datagram round trip p50',
      key: 'udpP50Us',
      show: 'ratio',
      better: 'lower',
      format: (n) => `${fmt(n, 1)} us`,
    },
    {
      label: '64 B datagram round trip p99',
      key: 'udpP99Us',
      show: 'raw',
      better: 'lower',
      format: (n) => `${fmt(n, 1)} us`,
    },
  ]
}

const udpMedian = (runs: Figures[][], i: number, key: string): number =>
  median(runs.map((run) => Number(run[i]?.[key] ?? NaN)))

/** The UDP table: direct UDP, and wsrelay as a ratio to it (or raw for tails). */
function udpTable(sizes: Sizes, runs: Figures[][]): string {
  const header = `| | ${UDP_PEERS.map((p) => p.title).join(' | ')} |`
  const rule = `|---|${UDP_PEERS.map(() => '---').join('|')}|`
  const body = udpRows(sizes).map((row) => {
    const reference = udpMedian(runs, 0, row.key)
    const cells = UDP_PEERS.map((_, i) => {
      const values = runs.map((run) => Number(run[i]?.[row.key] ?? NaN))
      const mid = median(values)
      if (!Number.isFinite(mid)) return 'failed'
      const spread = spreadPercent(values)
      const noise = spread >= 0.5 ? ` ±${fmt(spread)}%` : ''
      return i > 0 && row.show === 'ratio' && reference > 0
        ? `${row.format(mid)} (${fmt(mid / reference, 2)}x)${noise}`
        : `${row.format(mid)}${noise}`
    })
    return `| ${row.label} | ${cells.join(' | ')} |`
  })
  return [header, rule, ...body].join('\n')
}

/** UDP rows where wsrelay beat the direct reference: the reference was slowed, and the row means little. */
function udpReferenceWarnings(sizes: Sizes, runs: Figures[][]): string[] {
  return udpRows(sizes).flatMap((row) => {
    const reference = udpMedian(runs, 0, row.key)
    const value = udpMedian(runs, 1, row.key)
    if (!Number.isFinite(reference) || !Number.isFinite(value)) return []
    const isBeaten =
      row.better === 'higher' ? value > reference : value < reference
    return isBeaten
      ? [
          `${row.label}: wsrelay (${row.format(value)}) beat direct UDP (${row.format(reference)}); the machine was too busy for this row to mean much`,
        ]
      : []
  })
}

// ---------- profile ----------

interface ProfileSummary {
  hotSpots: HotSpot[]
  layers: Record<string, number>
  file: string
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

async function profileWsrelay(sizes: Sizes): Promise<ProfileSummary> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wsrelay-prof-'))
  const peer = await startPeer('wsrelay', {
    nodeFlags: [
      '--cpu-prof',
      '--cpu-prof-interval',
      '250',
      '--cpu-prof-dir',
      dir,
    ],
  })
  // Only samples taken under load count: start-up (module loading) would
  // otherwise outweigh a short run. V8 stamps samples with the monotonic
  // clock that process.hrtime reads.
  const window = { fromUs: monotonicUs(), toUs: 0 }
  try {
    for (const size of sizes.messageSizes) {
      await loadgen('throughput', peer, [
        '--size',
        size,
        '--total',
        sizes.throughputBytes,
      ])
    }
    window.toUs = monotonicUs()
  } finally {
    await peer.stop() // the profile is written when the process exits
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`node --cpu-prof wrote no profile in ${dir}`)
  const profile = JSON.parse(
    readFileSync(path.join(dir, file), 'utf8'),
  ) as CpuProfile
  return {
    hotSpots: summarizeProfile(profile, 25, window),
    layers: profileByLayer(profile, window),
    file: path.join(dir, file),
  }
}

// ---------- the machine's other load ----------

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms))

/**
 * CPU cores other processes kept busy over `ms`, while the bench runs
 * nothing of its own (every peer of the last run has exited): the machine's
 * busy time from /proc/stat, less the bench's own.
 */
async function otherLoad(ms = LOAD_SAMPLE_MS): Promise<number> {
  const read = () => parseCpuTimes(readFileSync('/proc/stat', 'utf8'))
  const before = read()
  const ownBefore = process.cpuUsage()
  await sleep(ms)
  const after = read()
  const own = process.cpuUsage(ownBefore)
  const cores = os.cpus().length
  const total = after.total - before.total
  if (total <= 0) return 0
  const busySeconds = ((after.busy - before.busy) / total) * cores * (ms / 1000)
  const ownSeconds = (own.user + own.system) / 1e6
  return Math.max(0, busySeconds - ownSeconds) / (ms / 1000)
}

/**
 * Waits (up to `maxSeconds`) until other processes use less than
 * {@link QUIET_CORES}; returns the last load seen, which the table reports.
 */
async function waitForQuiet(maxSeconds: number): Promise<number> {
  const until = Date.now() + maxSeconds * 1000
  let load = await otherLoad()
  while (load >= QUIET_CORES && Date.now() < until) {
    say(
      `  waiting for quiet: other processes use ${fmt(load, 2)} of ${os.cpus().length} cores`,
    )
    load = await otherLoad()
  }
  return load
}

// ---------- machine, build ----------

function machine(): Record<string, string | number> {
  const release = existsSync('/etc/os-release')
    ? (/^PRETTY_NAME="?([^"\n]*)"?$/m.exec(
        readFileSync('/etc/os-release', 'utf8'),
      )?.[1] ?? '')
    : ''
  const wsVersion = (() => {
    try {
      const pkg = path.resolve(HERE, '../node_modules/ws/package.json')
      return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string })
        .version
    } catch {
      return 'unknown'
    }
  })()
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    kernel: os.release(),
    os: release,
    cc:
      spawnSync('cc', ['--version'], { encoding: 'utf8' }).stdout?.split(
        '\n',
      )[0] ?? '',
    ws: wsVersion,
    bufferutil: existsSync(path.resolve(HERE, '../node_modules/bufferutil'))
      ? 'yes'
      : 'no',
    loadAverageAtStart: os.loadavg()[0]?.toFixed(2) ?? '',
  }
}

function compile(): void {
  for (const [source, binary] of [
    ['loadgen.c', LOADGEN],
    ['echo-target.c', ECHO_TARGET],
    ['udp-loadgen.c', UDP_LOADGEN],
    ['udp-echo-target.c', UDP_ECHO_TARGET],
  ] as const) {
    const result = spawnSync(
      'cc',
      ['-O2', '-Wall', '-o', binary, path.join(SOURCES, source)],
      { encoding: 'utf8' },
    )
    if (result.error) {
      throw new Error(
        `The bench compiles its load generator with a C compiler, and "cc" could not run (${result.error.message}). Install gcc (Debian/Ubuntu: apt-get install gcc) and run again.`,
      )
    }
    if (result.status !== 0)
      throw new Error(`cc could not compile bench/${source}:\n${result.stderr}`)
  }
  compileGoRelay()
  if (spawnSync('taskset', ['-c', '0', 'true']).status !== 0) {
    throw new Error(
      'The pinned latency rows need taskset. Install util-linux (apt-get install util-linux) and run again.',
    )
  }
  if (!existsSync(WSRELAY_CLI)) {
    throw new Error(
      `${WSRELAY_CLI} is missing: build the relay first (pnpm build).`,
    )
  }
}

/** Debian's Go toolchain and its packaged gorilla/websocket, without modules or network. */
const GO_PACKAGES = 'golang-go golang-github-gorilla-websocket-dev'

/** Builds the Go reference relay from bench/go-relay.go (a second or two, cached after the first). */
function compileGoRelay(): void {
  const cache = path.join(os.tmpdir(), 'wsrelay-bench-gocache')
  const result = spawnSync(
    'go',
    ['build', '-o', GO_RELAY, path.join(SOURCES, 'go-relay.go')],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        GOPATH: '/usr/share/gocode',
        GO111MODULE: 'off',
        GOFLAGS: '',
        GOCACHE: process.env.GOCACHE ?? cache,
      },
    },
  )
  if (result.error) {
    throw new Error(
      `The bench builds its Go reference relay, and "go" could not run (${result.error.message}). Install Go and gorilla/websocket (Debian/Ubuntu: apt-get install ${GO_PACKAGES}) and run again.`,
    )
  }
  if (result.status !== 0) {
    throw new Error(
      `go could not build bench/go-relay.go${/gorilla/.test(result.stderr) ? ` (is gorilla/websocket installed? apt-get install ${GO_PACKAGES})` : ''}:\n${result.stderr}`,
    )
  }
}

// ---------- table ----------

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })

interface Row {
  label: string
  key: string
  /** How to show a value: raw with a unit, or as a ratio to plain TCP. */
  show: 'ratio' | 'raw'
  format: (n: number) => string
  /** Peers the row does not apply to. */
  skip?: PeerId[]
  /** Which way is faster: plain TCP must be ahead of every peer on such a row. */
  better?: 'higher' | 'lower'
  /** wsrelay's goal on this row: against the Go relay (a ratio) or a figure of its own. */
  goal?: Goal
}

/** 10,000 idle connections: the goal is stated for this many, whatever the descriptor limit lets the bench hold. */
const IDLE_GOAL_CONNECTIONS = 10_000

function rows(sizes: Sizes, idle: number): Row[] {
  const mib = sizes.throughputBytes / MiB
  const noServer: PeerId[] = ['tcp']
  const atLeastGo: Goal = { kind: 'ratio', atLeast: 1 }
  const atMostGo: Goal = { kind: 'ratio', atMost: 1 }
  return [
    ...sizes.messageSizes.flatMap((size): Row[] => [
      {
        label: `throughput, ${size / 1024} KiB messages, ${mib} MiB`,
        key: `throughput${size / 1024}kMBps`,
        show: 'ratio',
        better: 'higher',
        format: (n) => `${fmt(n)} MB/s`,
        goal: atLeastGo,
      },
    ]),
    {
      label: `relay CPU seconds for 256 MiB (64 KiB messages)`,
      key: 'throughput64kCpuSeconds',
      show: 'raw',
      format: (n) => fmt(n, 2),
      skip: noServer,
      goal: atMostGo,
    },
    {
      label: 'load generator busy (CPU / wall), 64 KiB messages',
      key: 'throughput64kLoadgenBusy',
      show: 'raw',
      format: (n) => `${fmt(n * 100)}%`,
    },
    ...(['p50', 'p99', 'p999'] as const).map((p): Row => ({
      label: `64 B round trip ${p === 'p999' ? 'p99.9' : p}`,
      key: `latency${p.toUpperCase()}Us`,
      // Tails are shown raw: a ratio of two noisy tails says little.
      show: p === 'p50' ? 'ratio' : 'raw',
      better: 'lower',
      format: (n) => `${fmt(n, 1)} us`,
    })),
    ...(['p50', 'p99', 'p999'] as const).map((p): Row => ({
      label: `64 B round trip ${p === 'p999' ? 'p99.9' : p}, all on one CPU`,
      key: `pinned${p.toUpperCase()}Us`,
      show: p === 'p50' ? 'ratio' : 'raw',
      better: 'lower',
      format: (n) => `${fmt(n, 1)} us`,
      ...(p === 'p50' ? { goal: { kind: 'ratio', atMost: 1.5 } } : {}),
    })),
    {
      label: `${fmt(sizes.connections)} connections: time to open all (and echo once)`,
      key: 'connsOpenSeconds',
      show: 'raw',
      better: 'lower',
      format: (n) => `${fmt(n, 2)} s`,
      goal: atMostGo,
    },
    {
      label: `${fmt(sizes.connections)} connections ping-pong, round trips/s`,
      key: 'connsRoundTripsPerSecond',
      show: 'ratio',
      better: 'higher',
      format: (n) => fmt(n),
      goal: atLeastGo,
    },
    {
      label: `${fmt(sizes.connections)} connections ping-pong, round trip p99`,
      key: 'connsP99Us',
      show: 'raw',
      better: 'lower',
      format: (n) => `${fmt(n / 1000, 1)} ms`,
      goal: atMostGo,
    },
    {
      label: 'RSS at start (listening, no connection yet)',
      key: 'startRssMiB',
      show: 'raw',
      format: (n) => `${fmt(n, 1)} MiB`,
      skip: noServer,
      goal: { kind: 'absolute', atMost: 40 },
    },
    {
      label: `${fmt(idle)} idle connections: server RSS`,
      key: 'idleRssMiB',
      show: 'raw',
      format: (n) => `${fmt(n)} MiB`,
      skip: noServer,
      ...(idle >= IDLE_GOAL_CONNECTIONS
        ? { goal: { kind: 'absolute', atMost: 150 } }
        : {}),
    },
    ...(idle < IDLE_GOAL_CONNECTIONS
      ? [
          {
            label: `${fmt(IDLE_GOAL_CONNECTIONS)} idle connections: server RSS, extrapolated from ${fmt(idle)} at the RSS per connection below`,
            key: 'idleRssGoalMiB',
            show: 'raw',
            format: (n: number) => `${fmt(n)} MiB`,
            skip: noServer,
            goal: { kind: 'absolute', atMost: 150 },
          } satisfies Row,
        ]
      : []),
    {
      label: `${fmt(idle)} idle connections: RSS per connection`,
      key: 'idlePerConnectionKiB',
      show: 'raw',
      format: (n) => `${fmt(n, 1)} KiB`,
      skip: noServer,
    },
    {
      label: `slow reader, target floods ${fmt(sizes.floodBytes / MiB)} MiB: relay RSS growth while it holds off ${fmt(sizes.holdMs / 1000, 1)} s`,
      key: 'slowHeldGrowthMiB',
      show: 'raw',
      format: (n) => `${fmt(n, 1)} MiB`,
      skip: ['tcp', 'ws-echo'],
      goal: { kind: 'absolute', atMost: 8 },
    },
    {
      label: `slow reader: relay RSS growth until all ${fmt(sizes.floodBytes / MiB)} MiB are read`,
      key: 'slowGrowthMiB',
      show: 'raw',
      format: (n) => `${fmt(n, 1)} MiB`,
      skip: ['tcp', 'ws-echo'],
    },
  ]
}

const medianOf = (runs: Figures[][], peer: PeerId, key: string): number =>
  median(runs.map((run) => Number(run[indexOf(peer)]?.[key] ?? NaN)))

function cell(
  row: Row,
  id: PeerId,
  runs: Figures[][],
  baseline: number,
): string {
  if (row.skip?.includes(id)) return '-'
  if (id === 'wsrelay-workers' && !row.key.startsWith('conns')) return '-'
  // A peer left out with --peers has no figures at all.
  if (runs.every((run) => Object.keys(run[indexOf(id)] ?? {}).length === 0))
    return '-'
  const values = runs.map((run) => Number(run[indexOf(id)]?.[row.key] ?? NaN))
  const mid = median(values)
  if (!Number.isFinite(mid)) return 'failed'
  const spread = spreadPercent(values)
  const noise = spread >= 0.5 ? ` ±${fmt(spread)}%` : ''
  if (
    row.show === 'ratio' &&
    id !== 'tcp' &&
    Number.isFinite(baseline) &&
    baseline > 0
  ) {
    return `${fmt(mid / baseline, 2)}x${noise}`
  }
  return `${row.format(mid)}${noise}`
}

/** wsrelay's median divided by the Go relay's on this row (above 1: wsrelay's figure is larger). */
function versusReference(row: Row, runs: Figures[][]): number {
  return medianOf(runs, 'wsrelay', row.key) / medianOf(runs, REFERENCE, row.key)
}

/** The goal column: what is asked, and whether this run met it. */
function goalCell(row: Row, runs: Figures[][]): string {
  const { goal } = row
  if (!goal) return ''
  const value =
    goal.kind === 'ratio'
      ? versusReference(row, runs)
      : medianOf(runs, 'wsrelay', row.key)
  const bound =
    goal.atMost !== undefined
      ? `<= ${goal.kind === 'ratio' ? `${fmt(goal.atMost, 1)}x Go` : row.format(goal.atMost)}`
      : `>= ${goal.kind === 'ratio' ? `${fmt(goal.atLeast ?? 0, 1)}x Go` : row.format(goal.atLeast ?? 0)}`
  const met = meetsGoal(value, goal)
  return `${bound}: ${met === undefined ? 'not measured' : met ? 'met' : '**not met**'}`
}

function table(sizes: Sizes, idle: number, runs: Figures[][]): string {
  const header = `| | ${PEERS.map((p) => p.title).join(' | ')} | wsrelay / Go | goal |`
  const rule = `|---|${PEERS.map(() => '---').join('|')}|---|---|`
  const body = rows(sizes, idle).map((row) => {
    const baseline = medianOf(runs, 'tcp', row.key)
    const cells = PEERS.map((p) => cell(row, p.id, runs, baseline))
    const ratio = versusReference(row, runs)
    const versus = Number.isFinite(ratio) ? `${fmt(ratio, 2)}x` : '-'
    return `| ${row.label} | ${cells.join(' | ')} | ${versus} | ${goalCell(row, runs)} |`
  })
  const extra =
    runs
      .map((run) =>
        String(run[indexOf('wsrelay')]?.extraOutcome ?? 'not measured'),
      )
      .at(-1) ?? ''
  const refusedCells = PEERS.map((p) => (p.id === 'wsrelay' ? extra : '-'))
  const refused = `| connection ${fmt(idle + 1)} over --max-connections ${fmt(idle)} | ${refusedCells.join(' | ')} | | |`
  return [header, rule, ...body, refused].join('\n')
}

/** Rows where a peer's median beat plain TCP: the reference was slowed (a noisy machine) or capped. */
function referenceWarnings(
  sizes: Sizes,
  idle: number,
  runs: Figures[][],
): string[] {
  const warnings: string[] = []
  for (const row of rows(sizes, idle)) {
    if (!row.better) continue
    const at = (i: number) =>
      median(runs.map((run) => Number(run[i]?.[row.key] ?? NaN)))
    const reference = at(0)
    PEERS.forEach((peer, i) => {
      const value = at(i)
      if (i === 0 || !Number.isFinite(value) || !Number.isFinite(reference))
        return
      if (row.better === 'higher' ? value > reference : value < reference) {
        warnings.push(
          `${row.label}: ${peer.title} (${row.format(value)}) beat plain TCP (${row.format(reference)}); the machine was too busy for this row to mean much`,
        )
      }
    })
  }
  return warnings
}

// ---------- main ----------

async function main(): Promise<void> {
  let args
  try {
    args = parseArgs({
      options: {
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
        runs: { type: 'string' },
        profile: { type: 'boolean' },
        peers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (err) {
    process.stderr.write(
      `${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`,
    )
    process.exitCode = 2
    return
  }
  if (args.help) {
    process.stdout.write(USAGE)
    return
  }
  const runCount = Number(args.runs ?? (args.quick ? 1 : 3))
  if (!Number.isInteger(runCount) || runCount < 1 || runCount > 20) {
    process.stderr.write(
      `Invalid --runs "${args.runs}": expected a whole number from 1 to 20.\n`,
    )
    process.exitCode = 2
    return
  }
  const chosen = new Set(
    (args.peers ?? PEERS.map((p) => p.id).join(',')).split(','),
  )
  const unknown = [...chosen].filter((id) => !PEERS.some((p) => p.id === id))
  if (unknown.length > 0) {
    process.stderr.write(
      `Unknown --peers ${unknown.join(', ')}: expected some of ${PEERS.map((p) => p.id).join(', ')}.\n`,
    )
    process.exitCode = 2
    return
  }
  const sizes = args.quick ? QUICK : FULL
  const startedAt = Date.now()
  compile()
  const host = machine()
  const idle = await idleCount(sizes.idleConnections)
  if (idle < sizes.idleConnections) {
    say(
      `note: the open-file hard limit (ulimit -Hn), less wsrelay's descriptors kept for refusals, lets a relay hold ${idle} connections, not ${sizes.idleConnections}; measuring ${idle}`,
    )
  }
  say(
    `machine: ${host.cpu}, ${host.cores} cores, Node ${host.node}, kernel ${host.kernel}, load ${host.loadAverageAtStart}`,
  )

  const ctx: RunContext = { sizes, failures: [] }
  const runs: Figures[][] = []
  const otherLoads: number[] = []
  const loadDuring: number[] = []
  let waitedSeconds = 0
  const udpRuns: Figures[][] = []
  let lastRunSeconds = 0
  let stoppedEarly = ''
  for (let run = 0; run < runCount; run++) {
    const waitStartedAt = Date.now()
    const load = await waitForQuiet(args.quick ? 0 : QUIET_WAIT_S)
    otherLoads.push(load)
    waitedSeconds += (Date.now() - waitStartedAt) / 1000
    say(
      `run ${run + 1}: other processes use ${fmt(load, 2)} of ${os.cpus().length} cores`,
    )
    // The budget counts the runs, not the waits for quiet.
    const elapsed = (Date.now() - startedAt) / 1000 - waitedSeconds
    if (
      !args.quick &&
      args.runs === undefined &&
      run > 0 &&
      elapsed + lastRunSeconds > RUNS_BUDGET_S
    ) {
      stoppedEarly = `stopped after ${run} of ${runCount} runs: one more would end past ${RUNS_BUDGET_S} s (the machine is busy)`
      say(stoppedEarly)
      break
    }
    const runStartedAt = Date.now()
    const machineBefore = parseCpuTimes(readFileSync('/proc/stat', 'utf8'))
    const ownBefore = ownCpuSeconds()
    const figures: Figures[] = PEERS.map(() => ({}))
    // Rotate the order of peers from run to run so that no peer always goes
    // first (or last) while the machine's other load comes and goes.
    const order = PEERS.map((_, i) => (i + run) % PEERS.length)
    const each = async (
      name: string,
      body: (id: PeerId, out: Figures) => Promise<void>,
      only?: PeerId[],
    ) => {
      say(`run ${run + 1}/${runCount}: ${name}`)
      for (const i of order) {
        const peer = PEERS[i] as (typeof PEERS)[number]
        // --workers is measured on the connections rows only: one connection
        // is one process's whatever the count.
        if (!(only ?? SINGLE_PROCESS_PEERS).includes(peer.id)) continue
        if (!chosen.has(peer.id)) continue
        await attempt(ctx, `${peer.id} ${name}`, () =>
          body(peer.id, figures[i] as Figures),
        )
      }
    }
    await each('throughput and latency', (id, out) =>
      throughputAndLatency(ctx, id, out),
    )
    await each('latency pinned to one CPU', (id, out) =>
      pinnedLatency(ctx, id, out),
    )
    await each(
      `${sizes.connections} connections`,
      (id, out) => manyConnections(ctx, id, out),
      PEERS.map((p) => p.id),
    )
    await each(`${idle} idle connections`, (id, out) =>
      idleConnections(ctx, id, idle, out),
    )
    await each('slow reader', (id, out) => slowReader(ctx, id, out), [
      'backpressure',
      'naive',
      'go',
      'wsrelay',
    ])
    runs.push(figures)
    say(`run ${run + 1}/${runCount}: UDP targets`)
    const udpFigures: Figures[] = UDP_PEERS.map(() => ({}))
    // Alternate which goes first, as the peers above rotate.
    for (const i of run % 2 === 0 ? [0, 1] : [1, 0]) {
      const peer = UDP_PEERS[i] as (typeof UDP_PEERS)[number]
      await attempt(ctx, `${peer.id} UDP targets`, () =>
        udpTargets(ctx, peer.id, udpFigures[i] as Figures),
      )
    }
    udpRuns.push(udpFigures)
    lastRunSeconds = (Date.now() - runStartedAt) / 1000
    // During the run: the machine's busy time less the bench's and its
    // children's (every peer, target and generator has exited by now).
    const machineAfter = parseCpuTimes(readFileSync('/proc/stat', 'utf8'))
    const machineBusySeconds =
      ((machineAfter.busy - machineBefore.busy) /
        (machineAfter.total - machineBefore.total)) *
      os.cpus().length *
      lastRunSeconds
    const during =
      Math.max(0, machineBusySeconds - (ownCpuSeconds() - ownBefore)) /
      lastRunSeconds
    loadDuring.push(during)
    say(
      `run ${run + 1}: other processes used ${fmt(during, 2)} of ${os.cpus().length} cores during the run`,
    )
  }

  let profile: ProfileSummary | undefined
  if (args.profile) {
    say('profile: wsrelay under the throughput load (node --cpu-prof)')
    await attempt(ctx, 'wsrelay profile', async () => {
      profile = await profileWsrelay(sizes)
    })
  }
  const seconds = (Date.now() - startedAt) / 1000
  say(
    `done in ${fmt(seconds, 1)} s${ctx.failures.length ? `, ${ctx.failures.length} failed` : ''}`,
  )

  if (args.json) {
    const medians = PEERS.map((p, i) => {
      const keys = new Set(runs.flatMap((run) => Object.keys(run[i] ?? {})))
      const entries = [...keys].map((key) => {
        const values = runs.map((run) => run[i]?.[key])
        if (values.every((v) => typeof v === 'number')) {
          return [
            key,
            {
              median: median(values),
              spreadPercent: spreadPercent(values),
              runs: values,
            },
          ]
        }
        return [key, values.at(-1)]
      })
      return {
        peer: p.id,
        title: p.title,
        figures: Object.fromEntries(entries) as unknown,
      }
    })
    const udp = UDP_PEERS.map((p, i) => ({
      peer: p.id,
      title: p.title,
      figures: Object.fromEntries(
        udpRows(sizes).map((row) => {
          const values = udpRuns.map((run) => Number(run[i]?.[row.key] ?? NaN))
          return [
            row.key,
            {
              median: median(values),
              spreadPercent: spreadPercent(values),
              runs: values,
            },
          ]
        }),
      ),
    }))
    process.stdout.write(
      `${JSON.stringify({ machine: host, quick: Boolean(args.quick), runs: runs.length, stoppedEarly, seconds, otherLoadBefore: otherLoads, otherLoadDuring: loadDuring, sizes: { ...sizes, idleConnections: idle }, peers: medians, udp, profile, warnings: [...referenceWarnings(sizes, idle, runs), ...udpReferenceWarnings(sizes, udpRuns)], failures: ctx.failures }, null, 2)}\n`,
    )
  } else {
    const lines = [
      `Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; ${host.os}; kernel ${host.kernel}; Node ${host.node}; ws ${host.ws} (bufferutil: ${host.bufferutil}); ${host.cc}`,
      `${runs.length} run(s)${stoppedEarly ? ` (${stoppedEarly})` : ''}, medians; "±N%" is half the range across runs. Load average at start: ${host.loadAverageAtStart}, at end: ${os.loadavg()[0]?.toFixed(2)}. ${fmt(seconds)} s in all.`,
      `Other load (CPU cores used by other processes, of ${host.cores}): before each run ${otherLoads.map((l) => fmt(l, 2)).join(', ')}; during each run ${loadDuring.map((l) => fmt(l, 2)).join(', ')}.`,
      '',
      table(sizes, idle, runs),
      '',
      `UDP targets: ${fmt(sizes.udpDatagrams)} datagrams, ${fmt(sizes.latencyRoundTrips)} round trips; direct UDP is the reference, measured in the same run:`,
      '',
      udpTable(sizes, udpRuns),
    ]
    if (profile) {
      lines.push(
        '',
        `wsrelay CPU profile (self time, share of busy samples; ${profile.file}):`,
        '',
      )
      lines.push('| share | layer |', '|---|---|')
      for (const [layer, share] of Object.entries(profile.layers)) {
        lines.push(`| ${fmt(share, 1)}% | ${layer} |`)
      }
      lines.push('', '| self | function | where |', '|---|---|---|')
      for (const spot of profile.hotSpots) {
        lines.push(
          `| ${fmt(spot.selfPercent, 1)}% | ${spot.name} | ${spot.where} |`,
        )
      }
    }
    const warnings = [
      ...referenceWarnings(sizes, idle, runs),
      ...udpReferenceWarnings(sizes, udpRuns),
    ]
    if (warnings.length) {
      lines.push('', 'Warnings:', ...warnings.map((w) => `- ${w}`))
    }
    if (ctx.failures.length)
      lines.push('', 'Failures:', ...ctx.failures.map((f) => `- ${f}`))
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  if (ctx.failures.length) process.exitCode = 1
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? err.message : String(err)}\n`,
  )
  process.exitCode = 1
})
