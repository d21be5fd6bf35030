import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

/** The repository root, where every command of the walkthrough runs. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The built relay CLI (`pnpm build`). */
export const RELAY_CLI = `${REPO_ROOT}packages/relay/dist/cli.js`
/** The built TypeScript echo server. */
export const ECHO_CLI = `${REPO_ROOT}apps/echo-server/dist/cli.js`

/** Fails with the fix when the walkthrough's programs are not built yet. */
export function assertBuilt(): void {
  for (const file of [RELAY_CLI, ECHO_CLI]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing. Run "pnpm build" first (pnpm test does).`,
      )
    }
  }
}

/** A server process started by a test, with the port it printed. */
export interface RunningServer {
  readonly child: ChildProcess
  readonly port: number
  /** Everything it wrote so far, stdout and stderr. */
  output(): string
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

const READY_TIMEOUT_MS = 10_000

/**
 * Starts `command args` and waits for it to print `127.0.0.1:PORT` (the
 * relay, the echo server and the C++ server all do once they listen).
 */
export async function startServer(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningServer> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d))
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code))
    child.on('error', () => resolve(null))
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish()
      reject(
        new Error(
          `${command} ${args.join(' ')} printed no 127.0.0.1:PORT within ${READY_TIMEOUT_MS} ms. Output:\n${text}`,
        ),
      )
    }, READY_TIMEOUT_MS)
    const check = (): void => {
      const match = /127\.0\.0\.1:(\d+)/.exec(text)
      if (match?.[1] !== undefined) {
        finish()
        resolve(Number(match[1]))
      }
    }
    const fail = (): void => {
      finish()
      reject(new Error(`${command} ${args.join(' ')} exited early:\n${text}`))
    }
    const finish = (): void => {
      clearTimeout(timer)
      child.stdout.off('data', check)
      child.off('exit', fail)
    }
    child.stdout.on('data', check)
    child.once('exit', fail)
  })
  let stopping: Promise<number | null> | undefined
  const server: RunningServer = {
    child,
    port,
    output: () => text,
    stop(signal = 'SIGTERM') {
      if (stopping === undefined) {
        if (child.exitCode === null && child.signalCode === null)
          child.kill(signal)
        stopping = exited
      }
      return stopping
    },
  }
  running.add(server)
  return server
}

const running = new Set<RunningServer>()

// Whatever a test started is stopped after it, even when the test fails.
afterEach(async () => {
  const all = [...running]
  running.clear()
  await Promise.all(all.map((s) => s.stop()))
})

/** Starts the built relay CLI on 127.0.0.1, port 0, with `args` before the listen address. */
export function startRelay(
  target: string | undefined,
  args: readonly string[] = [],
): Promise<RunningServer> {
  return startServer(process.execPath, [
    RELAY_CLI,
    ...args,
    '127.0.0.1:0',
    ...(target === undefined ? [] : [target]),
  ])
}

/** Starts the TypeScript echo server in line mode on 127.0.0.1, port 0. */
export function startEchoServer(): Promise<RunningServer> {
  return startServer(process.execPath, [
    ECHO_CLI,
    '--port',
    '0',
    '--suffix',
    ' from the server',
  ])
}

/** Runs a command to its end; resolves with its exit code and output. */
export async function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 30_000,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const [code] = (await once(child, 'close')) as [number | null]
  return { code, stdout, stderr }
}
