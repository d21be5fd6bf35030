import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/**
 * The real `wsrelay` CLI as a child process, watched from outside: its logs,
 * whether it still runs, its RSS and its open file descriptors.
 */

// This file runs from packages/relay/fuzz (Vitest) and packages/relay/fuzz/dist (pnpm fuzz).
const PACKAGE_ROOT = new URL(
  import.meta.url.includes('/fuzz/dist/') ? '../../' : '../',
  import.meta.url,
)

/** Path of the built CLI, `packages/relay/dist/cli.js`. */
export const CLI_PATH = fileURLToPath(new URL('dist/cli.js', PACKAGE_ROOT))

/** Throws a clear error when the CLI has not been built. */
export function assertCliBuilt(): void {
  if (!existsSync(CLI_PATH))
    throw new Error(`${CLI_PATH} is missing: run "pnpm build" first.`)
}

/** A running relay process. */
export interface RelayProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly port: number
  readonly url: string
  /** JSON log lines so far. */
  readonly logs: Record<string, unknown>[]
  /** Resolves with the first log line `match` accepts (past or future), or undefined after `timeoutMs`. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown> | undefined>
  /** Everything written to stderr so far. */
  stderr(): string
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  isAlive(): boolean
  /** Resident set size in bytes (Linux /proc). */
  rssBytes(): number
  /** Open file descriptors (Linux /proc). */
  fdCount(): number
  /** SIGKILL if still running; resolves when it has exited. */
  kill(): Promise<void>
}

/** Runs the CLI to completion (for argument errors); resolves with its exit and output. */
export async function runCliToExit(
  args: readonly string[],
  timeoutMs = 10_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertCliBuilt()
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** Starts `node dist/cli.js ...args` and waits for its "relay listening" line. */
export async function startRelayProcess(
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv
    startTimeoutMs?: number
    /** Open-file limit for the process (prlimit execs the relay, so the pid is the relay's). */
    nofile?: number
  } = {},
): Promise<RelayProcess> {
  assertCliBuilt()
  const [command, commandArgs] =
    options.nofile === undefined
      ? [process.execPath, [CLI_PATH, ...args]]
      : [
          'prlimit',
          [
            `--nofile=${options.nofile}:${options.nofile}`,
            '--',
            process.execPath,
            CLI_PATH,
            ...args,
          ],
        ]
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  })
  child.on('error', () => {
    // Reported through `exited` and the start timeout below.
  })
  const pid = child.pid ?? -1
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
  }))
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString()
    // Keep the tail: a crash's stack is what matters.
    if (stderr.length > 64_000) stderr = stderr.slice(-32_000)
  })
  const logs: Record<string, unknown>[] = []
  const logWaiters = new Set<(line: Record<string, unknown>) => void>()
  const lines = createInterface({
    input: child.stdout as NodeJS.ReadableStream,
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(
          `wsrelay ${args.join(' ')} did not start listening in time.\n${stderr}`,
        ),
      )
    }, options.startTimeoutMs ?? 20_000)
    lines.on('line', (line) => {
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        entry = { msg: line }
      }
      // Bounded: a long fuzz run logs two lines per connection.
      if (logs.length > 2000) logs.splice(0, 1000)
      logs.push(entry)
      for (const wake of [...logWaiters]) wake(entry)
      if (entry.msg === 'relay listening' && typeof entry.url === 'string') {
        clearTimeout(timer)
        resolve(entry.url)
      }
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(
        new Error(
          `wsrelay ${args.join(' ')} exited (${code ?? signal}) before listening.\n${stderr}`,
        ),
      )
    })
  })
  const port = Number(new URL(url).port)
  let hasExited = false
  void exited.then(() => (hasExited = true))
  return {
    child,
    pid,
    port,
    url,
    logs,
    stderr: () => stderr,
    waitForLog: (match, timeoutMs) => {
      const seen = logs.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve) => {
        const done = (line: Record<string, unknown> | undefined): void => {
          clearTimeout(timer)
          logWaiters.delete(check)
          resolve(line)
        }
        const check = (line: Record<string, unknown>): void => {
          if (match(line)) done(line)
        }
        const timer = setTimeout(() => done(undefined), timeoutMs)
        logWaiters.add(check)
      })
    },
    exited,
    isAlive: () =>
      !hasExited && child.exitCode === null && child.signalCode === null,
    rssBytes: () => rssOf(pid),
    fdCount: () => fdCountOf(pid),
    kill: async () => {
      if (!hasExited && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}

/** VmRSS of a process in bytes, or 0 once it is gone. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]
    return kb === undefined ? 0 : Number(kb) * 1024
  } catch {
    // The process is gone; callers check isAlive() for that.
    return 0
  }
}

/** Number of open file descriptors of a process, or 0 once it is gone. */
export function fdCountOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    // The process is gone; callers check isAlive() for that.
    return 0
  }
}

/** 1 MiB in bytes. */
export const MiB = 1024 * 1024
