import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import { REPO_ROOT } from './processes.js'

/**
 * What an interactive shell does before each prompt: report the jobs that
 * ended ("[2]+ Done …") and forget them, so the next job takes the lowest
 * free number again. A non-interactive bash does not, and its job numbers
 * would drift from a reader's.
 */
const PROMPT = 'jobs -n >&2\n'

/** What one foreground command did. */
export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * A persistent bash, as a reader's terminal: job control on (`&` makes a
 * job, `kill %1` and `wait` work as typed), one working directory and one
 * set of jobs for every command sent to it.
 *
 * Foreground commands run in the shell itself, their output captured apart
 * (on fds 3 and 4); what background jobs and bash print (server lines, job
 * notices, errors such as EADDRINUSE) is the terminal, kept in
 * `terminal()`.
 */
export class ShellSession {
  private readonly shell: ChildProcessByStdio<Writable, Readable, Readable>
  private readonly streams: Readable[]
  private terminalText = ''
  private readonly buffers = ['', '', '']
  private readonly waiters: (() => void)[] = []
  private exited = false

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.shell = spawn('bash', ['--norc', '--noprofile'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
    })
    this.shell.stdin.on('error', () => undefined) // a dead shell shows as exited
    const extra = this.shell.stdio.slice(3, 6) as Readable[]
    this.streams = extra
    for (const s of [this.shell.stdout, this.shell.stderr]) {
      s.setEncoding('utf8').on('data', (d: string) => {
        this.terminalText += d
      })
    }
    extra.forEach((s, i) =>
      s.setEncoding('utf8').on('data', (d: string) => {
        this.buffers[i] += d
        this.wake()
      }),
    )
    this.shell.once('exit', () => {
      this.exited = true
      this.wake()
    })
    // No bash at all: every wait then fails with "the shell exited".
    this.shell.once('error', () => {
      this.exited = true
      this.wake()
    })
    // Job control, as in a terminal: each job in its own process group, so
    // `kill %1` reaches every process of it.
    this.shell.stdin.write('set -m\n')
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter()
  }

  /** Everything background jobs and bash itself printed so far. */
  terminal(): string {
    return this.terminalText
  }

  private async until<T>(
    found: () => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = found()
      if (value !== undefined) return value
      if (this.exited) throw new Error(`the shell exited while ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${what}: no end within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Takes what a stream holds up to `token`; undefined until the token came. */
  private take(index: number, token: string): string | undefined {
    const text = this.buffers[index] ?? ''
    const at = text.indexOf(token)
    if (at < 0) return undefined
    this.buffers[index] = text.slice(at + token.length)
    return text.slice(0, at)
  }

  /** Runs a foreground command in the shell and waits for it to end. */
  async run(command: string, timeoutMs: number): Promise<CommandResult> {
    const token = `@@end-${randomBytes(6).toString('hex')}@@`
    // The closing brace on its own line: the command may end in a comment.
    this.shell.stdin.write(PROMPT)
    this.shell.stdin.write(
      `{ ${command}\n} </dev/null >&3 2>&4; __status=$?; printf '${token}' >&3; printf '${token}' >&4; printf '%s ${token}' "$__status" >&5\n`,
    )
    const status = await this.until(
      () => this.take(2, token),
      timeoutMs,
      `"${command}"`,
    )
    const stdout = await this.until(() => this.take(0, token), 5_000, 'stdout')
    const stderr = await this.until(() => this.take(1, token), 5_000, 'stderr')
    return { code: Number(status.trim()), stdout, stderr }
  }

  /** Runs a command that ends in `&`; resolves with the job's PID (`$!`). */
  async start(command: string): Promise<number> {
    const token = `@@bg-${randomBytes(6).toString('hex')}@@`
    this.shell.stdin.write(PROMPT)
    this.shell.stdin.write(`${command}\nprintf '%s ${token}' "$!" >&5\n`)
    const pid = await this.until(() => this.take(2, token), 5_000, command)
    return Number(pid.trim())
  }

  /** PIDs of the jobs the shell still has (running or stopped). */
  async jobs(): Promise<number[]> {
    const { stdout } = await this.run('jobs -p', 5_000)
    return stdout
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
      .map(Number)
  }

  /** The shell's own list of its jobs (`jobs -l`), for a reader of a failure. */
  async jobList(): Promise<string> {
    return (await this.run('jobs -l', 5_000)).stdout.trim()
  }

  /**
   * Ends the session: every job left gets SIGTERM (its whole process group),
   * then the shell exits. A shell stuck in a command (a `wait` for a job that
   * never ends) is taken down with everything it started.
   */
  async close(): Promise<void> {
    if (this.exited) return
    const left = await this.jobs().catch(() => undefined)
    if (left === undefined) {
      // The shell does not answer: stop what it started, then the shell.
      for (const pid of descendantsOf(this.shell.pid ?? 0))
        signal(pid, 'SIGKILL')
      this.shell.kill('SIGKILL')
    } else {
      for (const pid of left) signal(-pid, 'SIGTERM')
      if (left.length > 0) await this.run('wait', 15_000).catch(() => undefined)
      this.shell.stdin.end('exit 0\n')
    }
    const timer = setTimeout(() => {
      for (const pid of descendantsOf(this.shell.pid ?? 0))
        signal(pid, 'SIGKILL')
      this.shell.kill('SIGKILL')
    }, 20_000)
    await new Promise<void>((resolve) =>
      this.exited ? resolve() : this.shell.once('exit', () => resolve()),
    )
    clearTimeout(timer)
    for (const s of this.streams) s.destroy()
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Gone already: nothing to stop.
  }
}

/** Every process below `root`, from /proc (Linux; elsewhere, none). */
function descendantsOf(root: number): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return []
  }
  const parent = new Map<number, number>()
  for (const e of entries) {
    try {
      // Field 4 of /proc/PID/stat, after the command name in parentheses.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parent.set(Number(e), ppid)
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = []
  const walk = (pid: number): void => {
    for (const [child, ppid] of parent)
      if (ppid === pid) {
        found.push(child)
        walk(child)
      }
  }
  walk(root)
  return found
}
