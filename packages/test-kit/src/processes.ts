import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

/** How to start a process and how to tell it is ready. */
export interface ProcessSpec<T> {
  readonly command: string
  readonly args: readonly string[]
  /** Argv put before the command: `prlimit --nofile=…`, `taskset -c 0`, a shell that raises `ulimit -n`. Each must exec, so the pid is the command's. */
  readonly wrapper?: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** What to call it in errors. */
  readonly name?: string
  /**
   * Looks at each stdout line (and the line parsed as JSON, when it is) and
   * returns a value once the process is ready: its URL, its port.
   */
  readonly ready: (
    line: string,
    json: Record<string, unknown> | undefined,
  ) => T | undefined
  /** How long to wait for readiness; then the process is killed. Default 20 s. */
  readonly readyTimeoutMs?: number
}

/** A process a test or a tool started, watched from outside. */
export interface WatchedProcess<T> {
  readonly child: ChildProcess
  readonly pid: number
  /** What `ready` returned. */
  readonly ready: T
  /** stdout lines parsed as JSON so far (the last 1,000 to 2,000: a long run logs a lot). */
  readonly logs: Record<string, unknown>[]
  /** Everything written to stderr so far (its tail). */
  stderr(): string
  /** Everything written to stdout so far (its tail), JSON or not. */
  stdout(): string
  /** Resolves with the first log line `match` accepts (past or future), or undefined after `timeoutMs`. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown> | undefined>
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  isAlive(): boolean
  /** Sends `signal`, and SIGKILL if it has not exited within `graceMs`; resolves on exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
  /** SIGKILL if still running; resolves when it has exited. */
  kill(): Promise<void>
  /** Resident set size in bytes (Linux /proc), 0 once gone. */
  rssBytes(): number
  /** Open file descriptors (Linux /proc), 0 once gone. */
  fdCount(): number
}

/** Starts `command args` and resolves once a stdout line says it is ready. */
export async function startProcess<T>(
  spec: ProcessSpec<T>,
): Promise<WatchedProcess<T>> {
  const name = spec.name ?? `${spec.command} ${spec.args.join(' ')}`
  const [command, ...args] = [
    ...(spec.wrapper ?? []),
    spec.command,
    ...spec.args,
  ]
  const child = spawn(command ?? spec.command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
  })
  child.on('error', () => {
    // Reported through `exited` and the ready timeout below.
  })
  const pid = child.pid ?? -1
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
  }))
  let hasExited = false
  void exited.then(() => (hasExited = true))
  const isAlive = (): boolean =>
    !hasExited && child.exitCode === null && child.signalCode === null
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString()
    // Keep the tail: a crash's stack is what matters.
    if (stderr.length > 64_000) stderr = stderr.slice(-32_000)
  })
  let stdout = ''
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString()
    if (stdout.length > 64_000) stdout = stdout.slice(-32_000)
  })
  const logs: Record<string, unknown>[] = []
  const logWaiters = new Set<(line: Record<string, unknown>) => void>()
  const lines = createInterface({
    input: child.stdout as NodeJS.ReadableStream,
  })
  const timeoutMs = spec.readyTimeoutMs ?? 20_000
  const ready = await new Promise<T>((resolve, reject) => {
    let isReady = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`${name} was not ready within ${timeoutMs} ms.\n${stderr}`),
      )
    }, timeoutMs)
    lines.on('line', (line) => {
      let json: Record<string, unknown> | undefined
      try {
        const parsed: unknown = JSON.parse(line)
        if (typeof parsed === 'object' && parsed !== null)
          json = parsed as Record<string, unknown>
      } catch {
        // Not JSON: a plain line, still offered to `ready`.
      }
      if (json) {
        if (logs.length > 2000) logs.splice(0, 1000)
        logs.push(json)
        for (const wake of [...logWaiters]) wake(json)
      }
      if (isReady) return
      const value = spec.ready(line, json)
      if (value === undefined) return
      isReady = true
      clearTimeout(timer)
      resolve(value)
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(
        new Error(
          `${name} exited (${code ?? signal}) before it was ready.\n${stderr}`,
        ),
      )
    })
  })
  const kill = async (): Promise<void> => {
    if (!isAlive()) return
    child.kill('SIGKILL')
    await exited
  }
  return {
    child,
    pid,
    ready,
    logs,
    stderr: () => stderr,
    stdout: () => stdout,
    waitForLog(match, waitMs) {
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
        const timer = setTimeout(() => done(undefined), waitMs)
        logWaiters.add(check)
      })
    },
    exited,
    isAlive,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!isAlive()) return
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
    kill,
    rssBytes: () => rssOf(pid),
    fdCount: () => fdCountOf(pid),
  }
}

/** Runs a command to its end; resolves with its exit code and output. */
export async function runToExit(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const timer = setTimeout(
    () => child.kill('SIGKILL'),
    options.timeoutMs ?? 10_000,
  )
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
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
