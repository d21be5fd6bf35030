import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { WebSocket } from 'ws'
import { REPO_ROOT } from './processes.js'
import { isPortFree, waitListening, type PortMap } from './shell-runner.js'

/** `pnpm dev` builds the packages first; on a busy machine that takes a while. */
const DEV_START_TIMEOUT_MS = 240_000
const ECHO_TIMEOUT_MS = 10_000

/** `pnpm dev` as a reader leaves it running in a terminal of its own. */
export interface DevDemo {
  /** Ctrl-C, as the reader stops it; resolves when every process of it is gone. */
  stop(): Promise<void>
  /** What it printed. */
  output(): string
}

/**
 * Starts `pnpm dev` with the ports chapter 1 promises (ECHO_PORT,
 * RELAY_PORT, CONSOLE_PORT), waits until all three listen, and checks that a
 * line typed into the console's WebSocket comes back from the echo server.
 */
export async function startDevDemo(ports: PortMap): Promise<DevDemo> {
  const echo = ports.get(5000)
  const relay = ports.get(8080)
  const consolePort = ports.get(5173)
  for (const port of [echo, relay, consolePort])
    if (!(await isPortFree(port)))
      throw new Error(
        `pnpm dev cannot start: 127.0.0.1:${port} is taken. Stop what holds it, or set LEARN_PORT_BASE.`,
      )
  // Its own process group, so Ctrl-C (SIGINT) reaches every process under it.
  const child: ChildProcess = spawn('pnpm', ['dev'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ECHO_PORT: String(echo),
      RELAY_PORT: String(relay),
      CONSOLE_PORT: String(consolePort),
    },
  })
  let text = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (text += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d))
  const pid = child.pid
  if (pid === undefined)
    throw new Error('pnpm dev could not start: is pnpm on the PATH?')
  // `once` rejects on 'error'; the process is gone either way.
  const exited = once(child, 'exit').catch(() => undefined)
  const demo: DevDemo = {
    output: () => text,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      process.kill(-pid, 'SIGINT')
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL')
        } catch {
          // Already gone between the timer and now.
        }
      }, 20_000)
      await exited
      clearTimeout(timer)
    },
  }
  try {
    for (const port of [echo, relay, consolePort])
      await waitListening(port, pid, 'pnpm dev', DEV_START_TIMEOUT_MS)
    await echoThroughConsole(consolePort)
  } catch (err) {
    await demo.stop()
    throw new Error(`${(err as Error).message}\npnpm dev printed:\n${text}`)
  }
  return demo
}

/** What the console does: a WebSocket to its own origin at /relay, proxied to the relay. */
async function echoThroughConsole(port: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/relay`, 'binary')
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no answer through the console within 10 s')),
        ECHO_TIMEOUT_MS,
      )
      let got = ''
      ws.on('open', () => ws.send('hello\n'))
      ws.on('message', (data: Buffer) => {
        got += data.toString('utf8')
        if (got.includes('\n')) {
          clearTimeout(timer)
          if (got === 'hello from the server\n') resolve()
          else
            reject(
              new Error(`the console's relay answered ${JSON.stringify(got)}`),
            )
        }
      })
      ws.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  } finally {
    ws.close()
  }
}
