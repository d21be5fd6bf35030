import net from 'node:net'
import { generateInput, type FuzzInput } from './generators.js'
import {
  eventOrClose,
  MiB,
  Opcode,
  readFrame,
  RelayFixture,
  settle,
} from '@wsrelay/test-kit'

/**
 * A seeded raw-socket fuzzer against the real `wsrelay` process. It sends
 * batches of generated inputs (handshakes, frames, control sequences, paths),
 * and between batches checks the relay is alive, still echoes for a
 * known-good client, and that its fds and RSS came back near their baseline.
 */

/** How a run is set up. */
export interface FuzzOptions {
  readonly seconds: number
  readonly seed: number
  /** Inputs sent at once between health checks. */
  readonly batchSize?: number
  /** Stop after this many failures (default 1); later ones restart the relay and go on. */
  readonly maxFailures?: number
  /** Print progress and failures here. */
  readonly log?: (line: string) => void
}

/** One input that broke the relay, with all it takes to replay it. */
export interface FuzzFailure {
  readonly seed: number
  readonly index: number
  readonly kind: FuzzInput['kind']
  /** Each TCP write, hex, in order: `--replay-hex` takes them comma-separated. */
  readonly hex: readonly string[]
  readonly problem: string
}

/** What a run did. */
export interface FuzzReport {
  readonly seed: number
  readonly inputsTried: number
  readonly batches: number
  readonly elapsedMs: number
  readonly failures: readonly FuzzFailure[]
  readonly baselineRssBytes: number
  readonly peakRssBytes: number
}

/** RSS may sit this far above its baseline after a batch. */
const RSS_SLACK_BYTES = 64 * MiB
/**
 * How long fds and RSS get to come back after a batch, in ms: longer than the
 * relay's own timers here (handshake 2 s, drain 1 s), so only a leak fails.
 */
const RESOURCE_WAIT_MS = 6000
/** Open fds may sit this many above baseline once a batch's sockets are gone. */
const FD_SLACK = 16

/**
 * The relay's command line: a fixed echo target, a TCP and a UDP route,
 * small messages, and client-chosen targets allowed only to the echo target,
 * their names resolved by a DNS stub on loopback (fast, slow and silent
 * names), so every input stays on this machine.
 */
export const FUZZ_RELAY_ARGS = [
  '--max-message-size',
  '65536',
  '--handshake-timeout',
  '2000',
  '--drain-timeout',
  '1000',
  // A peer the relay has stopped reading (backpressure, pong floods) is only
  // found gone by the next ping's failed write: ping often, so the relay's own
  // timers stay shorter than RESOURCE_WAIT_MS.
  '--ping-interval',
  '1000',
  '--pong-timeout',
  '1000',
  '--route',
  'echo=127.0.0.1:{ECHO}',
  '--route',
  'game=udp:127.0.0.1:{UDP}',
  '--allow',
  '127.0.0.1/32:{ECHO}',
  '--dns-server',
  '{DNS}',
  '--dns-timeout',
  '1000',
  '--stall-timeout',
  '2000',
  '127.0.0.1:0',
  '127.0.0.1:{ECHO}',
]

/** How long an input may keep its connection before the fuzzer moves on, in ms. */
const SETTLE_MS = 600

/** How long a well-formed input gets to come back whole from the echo target, in ms. */
const ECHO_WAIT_MS = 5000

/**
 * Sends one input on its own connection; resolves once the relay closed it
 * (or SETTLE_MS passed). For an input with an expected echo, waits for it
 * and says what differs.
 */
export async function sendInput(
  port: number,
  writes: readonly Buffer[],
  echo?: Buffer,
): Promise<string | undefined> {
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.on('error', () => {
    // Resets and refusals are answers the fuzzer accepts; health checks judge the relay.
  })
  const received = new EchoReader(echo?.length ?? 0)
  socket.on('data', (chunk: Buffer) => received.push(chunk))
  const closed = eventOrClose(socket, 'close')
  try {
    await settle(eventOrClose(socket, 'connect'), 2000)
    if (socket.destroyed || socket.connecting) return undefined
    for (const w of writes) {
      if (socket.destroyed) break
      socket.write(w)
      await new Promise<void>((r) => setImmediate(r))
    }
    if (echo === undefined) {
      await settle(closed, SETTLE_MS)
      return undefined
    }
    await settle(Promise.race([received.whole, closed]), ECHO_WAIT_MS)
    return received.problem(echo)
  } finally {
    socket.destroy()
  }
}

/** The payload of the binary frames a relay sends back, after its 101 answer. */
class EchoReader {
  private head = ''
  private pending = Buffer.alloc(0)
  private bytes: Buffer[] = []
  private length = 0
  private closeCode: number | undefined
  private markWhole: () => void = () => undefined
  readonly whole = new Promise<void>((resolve) => (this.markWhole = resolve))

  constructor(private readonly expected: number) {}

  push(chunk: Buffer): void {
    let data = chunk
    if (!this.head.includes('\r\n\r\n')) {
      const text = this.head + chunk.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (end < 0) {
        this.head = text
        return
      }
      this.head = text.slice(0, end + 4)
      data = Buffer.from(text.slice(end + 4), 'latin1')
    }
    if (this.length >= this.expected) this.markWhole() // nothing (more) to wait for
    this.pending = Buffer.concat([this.pending, data])
    for (
      let read = readFrame(this.pending);
      read;
      read = readFrame(this.pending)
    ) {
      this.pending = this.pending.subarray(read.size)
      const { opcode, payload } = read.frame
      if (opcode === Opcode.BINARY || opcode === Opcode.CONTINUATION) {
        this.bytes.push(payload)
        this.length += payload.length
        if (this.length >= this.expected) this.markWhole()
      } else if (opcode === Opcode.CLOSE)
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005
    }
  }

  /** What differs from `expected`, or undefined when every byte came back in order. */
  problem(expected: Buffer): string | undefined {
    if (!this.head.startsWith('HTTP/1.1 101'))
      return `a well-formed session was not upgraded: ${this.head.split('\r\n')[0] ?? '(no answer)'}`
    const got = Buffer.concat(this.bytes)
    if (got.equals(expected)) return undefined
    let at = 0
    while (at < got.length && got[at] === expected[at]) at++
    return `a well-formed session came back ${got.length} of ${expected.length} bytes, first difference at byte ${at}${this.closeCode === undefined ? '' : ` (relay closed ${this.closeCode})`}`
  }
}

/** Runs the fuzzer for `seconds`; stops at the first input that breaks the relay. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined)
  const batchSize = options.batchSize ?? 16
  const fixture = new RelayFixture(FUZZ_RELAY_ARGS, '/game')
  const started = Date.now()
  let inputsTried = 0
  let batches = 0
  const failures: FuzzFailure[] = []
  try {
    let relay = await fixture.ready()
    let baselineFds = relay.fdCount()
    let baselineRss = relay.rssBytes()
    let peakRss = baselineRss
    log(
      `fuzz: seed ${options.seed}, ${options.seconds} s, relay pid ${relay.pid}, baseline ${baselineFds} fds, ${(baselineRss / MiB).toFixed(0)} MiB RSS`,
    )

    while (
      Date.now() - started < options.seconds * 1000 &&
      failures.length < (options.maxFailures ?? 1)
    ) {
      const first = inputsTried
      const inputs = Array.from({ length: batchSize }, (_, i) =>
        generateInput(options.seed, first + i, relay.port, fixture.echo?.port),
      )
      const echoProblems = await Promise.all(
        inputs.map((input) => sendInput(relay.port, input.writes, input.echo)),
      )
      inputsTried += inputs.length
      batches++
      peakRss = Math.max(peakRss, relay.rssBytes())

      const problem =
        echoProblems.find((p) => p !== undefined) ??
        (await fixture.problem()) ??
        (await resourceProblem(fixture, baselineFds, baselineRss))
      if (problem !== undefined) {
        log(`fuzz: batch at input ${first} broke the relay: ${problem}`)
        failures.push(
          await isolate(fixture, options.seed, first, inputs, problem, log),
        )
        // Go on with a fresh relay (when more failures are wanted) and its own baseline.
        await fixture.relay?.kill()
        relay = await fixture.ready()
        baselineFds = relay.fdCount()
        baselineRss = relay.rssBytes()
        continue
      }
      if (batches % 50 === 0)
        log(
          `fuzz: ${inputsTried} inputs, ${((Date.now() - started) / 1000).toFixed(0)} s, RSS ${(relay.rssBytes() / MiB).toFixed(0)} MiB, ${relay.fdCount()} fds`,
        )
      relay = await fixture.ready()
    }
    const report = {
      seed: options.seed,
      inputsTried,
      batches,
      elapsedMs: Date.now() - started,
      failures,
      baselineRssBytes: baselineRss,
      peakRssBytes: peakRss,
    }
    return report
  } finally {
    await fixture.close()
  }
}

/** Waits up to RESOURCE_WAIT_MS for fds and RSS to come back near the baseline; says what did not. */
async function resourceProblem(
  fixture: RelayFixture,
  baselineFds: number,
  baselineRss: number,
): Promise<string | undefined> {
  const relay = fixture.relay
  if (!relay) return 'relay not running'
  const deadline = Date.now() + RESOURCE_WAIT_MS
  for (;;) {
    const fds = relay.fdCount()
    const rss = relay.rssBytes()
    if (fds <= baselineFds + FD_SLACK && rss <= baselineRss + RSS_SLACK_BYTES)
      return undefined
    if (Date.now() > deadline)
      return `resources did not come back: ${fds} fds (baseline ${baselineFds}), RSS ${(rss / MiB).toFixed(0)} MiB (baseline ${(baselineRss / MiB).toFixed(0)} MiB)`
    // Closing sockets take a moment to leave the fd table; poll until then.
    await new Promise<void>((r) => setTimeout(r, 100))
  }
}

/** Replays a failed batch one input at a time on a fresh relay to find the input that breaks it. */
async function isolate(
  fixture: RelayFixture,
  seed: number,
  first: number,
  inputs: readonly FuzzInput[],
  batchProblem: string,
  log: (line: string) => void,
): Promise<FuzzFailure> {
  for (const [i, input] of inputs.entries()) {
    const relay = await fixture.ready()
    const problem =
      (await sendInput(relay.port, input.writes, input.echo)) ??
      (await fixture.problem())
    if (problem !== undefined) {
      const failure = {
        seed,
        index: first + i,
        kind: input.kind,
        hex: input.writes.map((w) => w.toString('hex')),
        problem,
      }
      log(formatFailure(failure))
      return failure
    }
  }
  const failure = {
    seed,
    index: first,
    kind: inputs[0]?.kind ?? 'frames',
    hex: inputs.flatMap((input) => input.writes.map((w) => w.toString('hex'))),
    problem: `${batchProblem} (only the whole batch of ${inputs.length} reproduces it; its writes follow, each on its own connection in the original run)`,
  } satisfies FuzzFailure
  log(formatFailure(failure))
  return failure
}

/** Human-readable failure with the commands that replay it. */
export function formatFailure(f: FuzzFailure): string {
  return [
    `FUZZ FAILURE: ${f.problem}`,
    `  seed ${f.seed}, input ${f.index} (${f.kind})`,
    `  replay: pnpm --filter @wsrelay/relay fuzz --seed ${f.seed} --replay ${f.index}`,
    `  bytes (hex, one TCP write each):`,
    ...f.hex.map(
      (h) =>
        `    ${h.length > 2000 ? `${h.slice(0, 2000)}… (${h.length / 2} bytes)` : h}`,
    ),
  ].join('\n')
}

/** Sends one input (by seed and index, or as hex writes) to a fresh relay and says what happened. */
export async function replay(
  what: { seed: number; index: number } | { hex: readonly string[] },
): Promise<string | undefined> {
  const fixture = new RelayFixture(FUZZ_RELAY_ARGS, '/game')
  try {
    const relay = await fixture.ready()
    const input =
      'hex' in what
        ? {
            writes: what.hex.map((h) => Buffer.from(h, 'hex')),
            echo: undefined,
          }
        : generateInput(what.seed, what.index, relay.port, fixture.echo?.port)
    return (
      (await sendInput(relay.port, input.writes, input.echo)) ??
      (await fixture.problem())
    )
  } finally {
    await fixture.close()
  }
}
