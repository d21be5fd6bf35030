import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const path = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const RELAY_CLI = path('../packages/relay/dist/cli.js')
const ECHO_CLI = path('../apps/echo-server/dist/cli.js')
const CONSOLE_DIST = path('../apps/console/dist')

/** A server a spec started itself, so it can stop it without touching the shared ones. */
export interface SpecProcess {
  readonly child: ChildProcess
  /** Stops it by its PID (SIGKILL: a crash, not a polite shutdown) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Spawns `node file args` and resolves once a stdout line passes `isReady`. */
async function start(
  file: string,
  args: string[],
  isReady: (line: string) => boolean,
): Promise<SpecProcess> {
  const child = spawn(process.execPath, [file, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit')
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const lines = createInterface({
    input: child.stdout as NodeJS.ReadableStream,
  })
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (isReady(line)) resolve()
    })
    void exited.then(([code]) =>
      reject(new Error(`${file} exited with ${String(code)}: ${stderr}`)),
    )
  })
  return {
    child,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return
      const pid = child.pid
      if (pid !== undefined) process.kill(pid, signal)
      await exited
    },
  }
}

/** The echo server CLI on 127.0.0.1:port (`suffix` for line mode). */
export function startEcho(port: number, suffix?: string): Promise<SpecProcess> {
  const args = ['--host', '127.0.0.1', '--port', String(port)]
  if (suffix !== undefined) args.push('--suffix', suffix)
  return start(ECHO_CLI, args, (line) => line.includes('listening'))
}

/** The relay CLI serving the built console on 127.0.0.1:port, relaying to 127.0.0.1:targetPort. */
export function startRelay(
  port: number,
  targetPort: number,
): Promise<SpecProcess> {
  return start(
    RELAY_CLI,
    ['--web', CONSOLE_DIST, `127.0.0.1:${port}`, `127.0.0.1:${targetPort}`],
    (line) => line.includes('"relay listening"'),
  )
}
