import dgram from 'node:dgram'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { REPO_ROOT } from './processes.js'
import { ShellSession } from './shell-session.js'

/**
 * The ports the walkthrough's commands use: `pnpm dev` takes 5000, 5173 and
 * 8080; the chapters' own servers take 7000 (the TCP server) and 8081 (the
 * relay), so the demo can stay open beside them.
 */
export const DOC_PORTS = [5000, 5173, 7000, 8080, 8081] as const

/**
 * `chapter`: one chapter in a fresh shell on free ports, beside other tests
 * (the builds and the measurement are left to the places that run them).
 * `in-order`: the whole text in one shell, alone, everything typed.
 */
export type RunMode = 'chapter' | 'in-order'

/**
 * Commands a reader types that a runner does not run, each with the place
 * CI runs it instead, and whether the in-order run types it anyway.
 */
export const RUN_ELSEWHERE: readonly {
  readonly prefix: string
  readonly where: string
  readonly inOrder: 'run' | 'skip'
}[] = [
  {
    prefix: 'pnpm install',
    where: '.ci/run installs with pnpm install --frozen-lockfile',
    inOrder: 'skip',
  },
  {
    prefix: 'pnpm build',
    where:
      'pnpm test builds before any test runs; the in-order walkthrough builds again',
    inOrder: 'run',
  },
  {
    prefix: 'pnpm dev',
    where:
      'e2e/playwright.config.ts starts the same three processes and console.spec.ts types a line; the in-order walkthrough runs it once, left running',
    inOrder: 'skip',
  },
  { prefix: 'pnpm test', where: '.ci/run runs it', inOrder: 'skip' },
  {
    prefix: 'pnpm learn:compare',
    where:
      'compare.integration.test.ts runs it with --quick; the in-order walkthrough runs it in full',
    inOrder: 'run',
  },
  {
    prefix: 'sudo cp deploy/nginx.conf',
    where:
      'packages/relay/src/deploy/nginx.integration.test.ts runs deploy/nginx.conf with a real nginx; CI does not reconfigure its own',
    inOrder: 'skip',
  },
  {
    prefix: 'sudo nginx',
    where:
      'packages/relay/src/deploy/nginx.integration.test.ts starts nginx with deploy/nginx.conf',
    inOrder: 'skip',
  },
  {
    prefix: 'docker compose up',
    where:
      'no Docker engine in CI: .ci/run checks docker-compose config and runs the containers’ commands (.ci/smoke-compose.py)',
    inOrder: 'skip',
  },
]

/** Commands that may take longer than the default 30 s, by prefix. */
const SLOW_COMMANDS: readonly [prefix: string, timeoutMs: number][] = [
  ['pnpm build', 300_000],
  ['pnpm learn:compare', 900_000],
  ['make ', 120_000],
  ['cmake ', 120_000],
]
const DEFAULT_TIMEOUT_MS = 30_000
const LISTEN_TIMEOUT_MS = 20_000

/** Why a command is not run in `mode`, or undefined when it must run. */
export function runElsewhere(
  command: string,
  mode: RunMode = 'chapter',
): string | undefined {
  const parts = command.split('&&').map((p) => p.replace(/\s+#.*$/, '').trim())
  const reasons = parts.map((part) =>
    RUN_ELSEWHERE.find(
      ({ prefix, inOrder }) =>
        (part === prefix || part.startsWith(`${prefix} `)) &&
        (mode === 'chapter' || inOrder === 'skip'),
    ),
  )
  if (reasons.every((r) => r !== undefined))
    return reasons.map((r) => r.where).join('; ')
  return undefined
}

/** The commands of an `sh` block: comments dropped, `\` continuations joined. */
export function commandsOf(block: string): string[] {
  return block
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/** True for `cmd &` and `cmd & # comment`: a job the shell leaves running. */
export const isBackground = (command: string): boolean =>
  /(?<!&)&\s*(?:#.*)?$/.test(command)

/** True for a line that only stops or awaits jobs: `kill %1 %2; wait`, `wait %2`. */
export const isJobControl = (command: string): boolean =>
  command
    .replace(/\s+#.*$/, '')
    .split(';')
    .every((part) => /^\s*(kill|wait)(\s+%\d+)*\s*$/.test(part))

/**
 * True for a background server that binds a UDP port and no TCP one (the
 * C++ UDP echo server): there is nothing to connect to, so the runner
 * waits until the port is bound instead.
 */
export const isUdpServer = (command: string): boolean =>
  /(^|\/)udp_echo_server\s/.test(command)

/** The documented ports a background command listens on: 4-digit ports not written as a target (host:PORT). */
export function listenPortsOf(command: string): number[] {
  return [...command.replace(/#.*$/, '').matchAll(/(?<![\d.:])(\d{4})(?!\d)/g)]
    .map((m) => Number(m[1]))
    .filter((p) => (DOC_PORTS as readonly number[]).includes(p))
}

/** Which real port stands for each documented one. */
export class PortMap {
  private constructor(private readonly ports: ReadonlyMap<number, number>) {}

  /** The documented ports themselves. */
  static documented(): PortMap {
    return new PortMap(new Map(DOC_PORTS.map((p) => [p, p])))
  }

  /** `base`, `base + 1`, … in the order of DOC_PORTS (for a machine where those are taken). */
  static fromBase(base: number): PortMap {
    return new PortMap(new Map(DOC_PORTS.map((p, i) => [p, base + i])))
  }

  /** Ports the kernel says are free now. */
  static async free(): Promise<PortMap> {
    const map = new Map<number, number>()
    for (const p of DOC_PORTS) map.set(p, await freePort())
    return new PortMap(map)
  }

  /** The real port for a documented one. */
  get(doc: number): number {
    return this.ports.get(doc) ?? doc
  }

  /** A command with the real ports in place of the documented ones. */
  rewrite(command: string): string {
    return command.replace(/(?<![\d.])(\d{4})(?!\d)/g, (text, n: string) =>
      String(this.ports.get(Number(n)) ?? text),
    )
  }

  /** Output with the documented ports put back. */
  restore(output: string): string {
    let back = output
    for (const [doc, real] of this.ports)
      if (doc !== real)
        back = back.replace(
          new RegExp(`(?<!\\d)${real}(?!\\d)`, 'g'),
          String(doc),
        )
    return back
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export async function isPortFree(port: number): Promise<boolean> {
  const server = net.createServer()
  const free = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => resolve(true))
  })
  if (free) {
    server.close()
    await once(server, 'close')
  }
  return free
}

/** True when nothing has bound UDP 127.0.0.1:port (we can bind it ourselves). */
export async function isUdpPortFree(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4')
  const free = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false))
    socket.bind(port, '127.0.0.1', () => resolve(true))
  })
  if (free) await new Promise<void>((resolve) => socket.close(() => resolve()))
  return free
}

/** Waits until UDP `port` is bound; fails at once when `pid` has exited. */
async function waitUdpBound(
  port: number,
  pid: number,
  what: string,
  timeoutMs = LISTEN_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`"${what}" exited before binding`)
    if (!(await isUdpPortFree(port))) return
    // Binding has no event to await from outside; 50 ms is the retry interval.
    await delay(50)
  }
  throw new Error(
    `"${what}" did not bind UDP 127.0.0.1:${port} within ${timeoutMs} ms`,
  )
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

/** True while a process exists and has not exited (a zombie counts as exited). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) [ZX]/.test(stat)
  } catch {
    // No /proc (not Linux) or no such process: ask the kernel directly.
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
}

/** Waits until `port` accepts connections; fails at once when `pid` has exited. */
export async function waitListening(
  port: number,
  pid: number,
  what: string,
  timeoutMs = LISTEN_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`"${what}" exited before listening`)
    if (await accepts(port)) return
    // Polling a port has no event to await; 50 ms is the retry interval.
    await delay(50)
  }
  throw new Error(
    `"${what}" did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`,
  )
}

/** The file a command's stdout goes to (`… > relay.log &`), if any. */
export function logFileOf(command: string): string | undefined {
  return /(?<![0-9&])>\s*([\w./-]+)\s*&?\s*(?:#.*)?$/.exec(command)?.[1]
}

/** Waits until `file` has a line matching `pattern`; fails when `pid` exits first. */
async function waitForLine(
  file: string,
  pattern: RegExp,
  pid: number,
  timeoutMs = LISTEN_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
    if (pattern.test(text)) return
    if (!isAlive(pid)) throw new Error(`exited before its log said ${pattern}`)
    // A file has no event to await here; 50 ms is the retry interval.
    await delay(50)
  }
  throw new Error(
    `its log had no line matching ${pattern} within ${timeoutMs} ms`,
  )
}

/** What one `sh` block did. */
export interface BlockRun {
  /** Commands it ran, with the real ports in place of the documented ones. */
  readonly ran: string[]
  /** Commands it skipped, with where CI runs them. */
  readonly skipped: { command: string; reason: string }[]
  /** Output of the foreground commands, the documented ports put back. */
  readonly stdout: string
  /** What background jobs and the shell printed meanwhile. */
  readonly terminal: string
}

/** Where a block failed, with what the reader's terminal showed. */
export class BlockError extends Error {
  override name = 'BlockError'
}

/**
 * Runs the commands of one `sh` block in `session`, as a reader types them:
 * a line ending in `&` starts a job (awaited until its ports accept, after
 * checking they were free: a port still held by an earlier block is the
 * text's mistake); the others must exit 0. A job that starts with `sleep`
 * is started late on purpose and not awaited. A `kill %N` that finds no job
 * is the text's mistake too.
 */
export async function runBlockIn(
  session: ShellSession,
  block: string,
  ports: PortMap,
  mode: RunMode,
  onSkipped?: (command: string) => Promise<void>,
): Promise<BlockRun> {
  const result = {
    ran: [] as string[],
    skipped: [] as { command: string; reason: string }[],
    stdout: '',
    terminal: '',
  }
  const terminalFrom = session.terminal().length
  const terminal = () => ports.restore(session.terminal().slice(terminalFrom))
  const fail = (message: string): never => {
    throw new BlockError(
      `${message}\nThe terminal meanwhile (jobs, servers, bash):\n${terminal() || '(nothing)'}\nJobs before the failing command:\n${jobsBefore || '(none)'}`,
    )
  }
  let jobsBefore = ''
  for (const command of commandsOf(block)) {
    const reason = runElsewhere(command, mode)
    if (reason !== undefined) {
      result.skipped.push({ command, reason })
      await onSkipped?.(command)
      continue
    }
    const actual = ports.rewrite(command)
    result.ran.push(actual)
    if (isJobControl(command)) jobsBefore = await session.jobList()
    if (isBackground(command)) {
      const listen = listenPortsOf(command)
      if (listen.length === 0)
        fail(
          `Background command "${command}" listens on none of the ports ${DOC_PORTS.join(', ')}`,
        )
      const isUdp = isUdpServer(command)
      for (const doc of listen) {
        if (!(await (isUdp ? isUdpPortFree : isPortFree)(ports.get(doc))))
          fail(
            `"${command}": port ${doc} is still taken when this line starts. An earlier block's server still holds it: the text must stop it first (kill %N; wait).`,
          )
      }
      const pid = await session.start(actual)
      if (/^sleep\s/.test(command)) continue
      for (const doc of listen) {
        await (isUdp ? waitUdpBound : waitListening)(
          ports.get(doc),
          pid,
          command,
        ).catch((err: Error) => fail(err.message))
      }
      // A reader looks at the log after the server said it listens; the
      // port may accept a moment before that line is written.
      const log = logFileOf(command)
      if (log !== undefined)
        await waitForLine(`${REPO_ROOT}${log}`, /listening/, pid).catch(
          (err: Error) => fail(`"${command}": ${err.message}`),
        )
      continue
    }
    const timeout =
      SLOW_COMMANDS.find(([prefix]) => command.startsWith(prefix))?.[1] ??
      DEFAULT_TIMEOUT_MS
    const run = await session
      .run(actual, timeout)
      .catch((err: Error) => fail(err.message))
    // `kill %2; wait %2` ends with the status of the job it stopped (143
    // after SIGTERM): a reader reads no failure in it, only "no such job".
    if (run.code !== 0 && !isJobControl(command))
      fail(
        `"${command}" exited with ${run.code}:\n${ports.restore(run.stdout + run.stderr)}`,
      )
    if (/no such job/.test(run.stderr))
      fail(
        `"${command}" found no such job: the text counts this terminal's jobs wrongly here.`,
      )
    result.stdout += ports.restore(run.stdout)
  }
  result.terminal = terminal()
  if (/EADDRINUSE/.test(result.terminal))
    fail('A server of this block could not listen (EADDRINUSE).')
  return result
}

/** A chapter's line against an output line; `…` in the chapter stands for any text. */
function sameLine(wanted: string, output: string): boolean {
  // Runs of spaces are column alignment, which shifts when a real port is
  // longer than the documented one.
  const want = wanted.replace(/ {2,}/g, ' ')
  const got = output.replace(/ {2,}/g, ' ')
  if (!want.includes('…')) return want === got
  const pattern = want
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${pattern}$`).test(got)
}

/**
 * True when `output` shows what the chapter says: the same lines in order,
 * where a line `...` in the chapter stands for any number of lines and `…`
 * within a line for any text.
 */
export function matchesOutput(expected: string, output: string): boolean {
  const want = expected.split('\n')
  const got = output.replace(/\n$/, '').split('\n')
  const match = (w: number, g: number): boolean => {
    if (w === want.length) return g === got.length
    if (want[w] === '...')
      return match(w + 1, g) || (g < got.length && match(w, g + 1))
    return (
      g < got.length &&
      sameLine(want[w] ?? '', got[g] ?? '') &&
      match(w + 1, g + 1)
    )
  }
  return match(0, 0)
}
