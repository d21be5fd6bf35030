/**
 * `pnpm dev`: the echo server, the relay and the console's dev server, each
 * run from its TypeScript sources by its package's `dev` script (tsx and
 * Vite: nothing is built first) and restarted when its files change. Says
 * which URL to open once all three answer; starts the echo server again when
 * it stops. ECHO_PORT, RELAY_PORT and CONSOLE_PORT move the ports.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { styleText } from 'node:util'
import {
  DEV_PORTS,
  DevError,
  devPortsFrom,
  isPortTaken,
  portTakenMessage,
  type DevPorts,
} from './dev-ports.js'

/** How often the echo server's port is checked once it ran, in ms (a bind test: no connection, no log line). */
const ECHO_CHECK_MS = 2000
/** How long a restarted echo server may take to listen before the terminal says how to start it, in ms. */
const ECHO_RESTART_WAIT_MS = 10_000
/** How often the console's dev server is asked whether it answers, while starting, in ms. */
const CONSOLE_POLL_MS = 200
/** How long after the last service is up the ready line is printed, in ms (its start-up lines come first). */
const READY_LINE_DELAY_MS = 150
/** How long the processes get to stop on Ctrl-C before they are killed, in ms. */
const STOP_WAIT_MS = 3000

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const isColor = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (color: Parameters<typeof styleText>[0], text: string) =>
  isColor ? styleText(color, text) : text
const say = (line: string) =>
  process.stdout.write(`${paint('green', '[dev]')} ${line}\n`)

/** One of the three processes, started by its package's `dev` script. */
interface Service {
  readonly name: 'echo' | 'relay' | 'console'
  readonly child: ChildProcess
}

function startService(
  name: Service['name'],
  dir: string,
  args: string[],
  env: Record<string, string>,
  color: Parameters<typeof styleText>[0],
  onLine: (line: string) => void,
): Service {
  const child = spawn('pnpm', ['--silent', 'run', 'dev', ...args], {
    cwd: `${ROOT}${dir}`,
    env: {
      ...process.env,
      ...env,
      ...(isColor ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }),
    },
    // Each in its own process group, so stopping it stops what it started.
    detached: process.platform !== 'win32',
    shell: process.platform === 'win32',
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const prefix = paint(color, `[${name}]`.padEnd(9))
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue
    createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${prefix} ${line}\n`)
      onLine(line)
    })
  }
  return { name, child }
}

function stopService({ child }: Service, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  try {
    if (process.platform === 'win32') child.kill(signal)
    else process.kill(-child.pid, signal)
  } catch {
    // Already gone between the check and the signal: nothing to stop.
  }
}

async function consoleAnswers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://localhost:${port}/`)
    return res.ok
  } catch {
    return false
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now()
  const ports: DevPorts = devPortsFrom(process.env)
  for (const { key, variable, role } of DEV_PORTS) {
    if (await isPortTaken(ports[key]))
      throw new DevError(portTakenMessage(variable, role, ports[key]))
  }

  let isStopping = false
  let isEchoUp = false
  let isRelayUp = false
  let isConsoleUp = false
  let hasSaidReady = false
  let echoRestartTimer: ReturnType<typeof setTimeout> | undefined

  const sayReadyOnce = () => {
    if (hasSaidReady || !isEchoUp || !isRelayUp || !isConsoleUp) return
    hasSaidReady = true
    // After the lines the last one printed as it started.
    setTimeout(sayReady, READY_LINE_DELAY_MS)
  }
  const sayReady = () => {
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1)
    say(
      `Ready in ${seconds} s. Open ${paint('bold', `http://localhost:${ports.console}/`)} and type hello.`,
    )
    say(
      `Console :${ports.console} -> relay ws://127.0.0.1:${ports.relay}/ -> echo server 127.0.0.1:${ports.echo}. ` +
        'Ctrl-C stops all three; ECHO_PORT, RELAY_PORT and CONSOLE_PORT move them.',
    )
  }

  const startEcho = (): Service =>
    startService(
      'echo',
      'apps/echo-server',
      ['--port', String(ports.echo)],
      {},
      'yellow',
      (line) => {
        if (!line.includes(`listening on 127.0.0.1:${ports.echo}`)) return
        isEchoUp = true
        clearTimeout(echoRestartTimer)
        echoRestartTimer = undefined
        sayReadyOnce()
      },
    )
  const services: Service[] = [
    startEcho(),
    startService(
      'relay',
      'packages/relay',
      [`127.0.0.1:${ports.relay}`, `127.0.0.1:${ports.echo}`],
      {},
      'magenta',
      (line) => {
        if (!line.includes('relay listening')) return
        isRelayUp = true
        sayReadyOnce()
      },
    ),
    startService(
      'console',
      'apps/console',
      ['--clearScreen', 'false'],
      {
        CONSOLE_PORT: String(ports.console),
        RELAY_PORT: String(ports.relay),
        // Vite's URL banner would come before the relay is up: this script says when to open it.
        WSRELAY_DEV_BANNER: 'off',
      },
      'cyan',
      () => undefined,
    ),
  ]

  const stopAll = (code: number) => {
    if (isStopping) return
    isStopping = true
    clearTimeout(echoRestartTimer)
    for (const service of services) stopService(service, 'SIGTERM')
    setTimeout(() => {
      for (const service of services) stopService(service, 'SIGKILL')
      process.exit(code)
    }, STOP_WAIT_MS).unref()
    void Promise.all(
      services.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null)
              resolve(undefined)
            else child.once('exit', resolve)
          }),
      ),
    ).then(() => process.exit(code))
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => stopAll(0))
  process.on('exit', () => {
    for (const service of services) stopService(service, 'SIGKILL')
  })
  const watchExit = (service: Service) =>
    service.child.on('exit', (code, signal) => {
      if (isStopping || !services.includes(service)) return
      say(
        `${service.name} exited (${signal ?? `code ${code}`}); stopping the others. Fix what it printed above, then run pnpm dev again.`,
      )
      stopAll(1)
    })
  services.forEach(watchExit)

  // The console's dev server prints nothing when ready (its banner is off).
  while (!isConsoleUp && !isStopping) {
    isConsoleUp = await consoleAnswers(ports.console)
    if (!isConsoleUp)
      await new Promise((resolve) => setTimeout(resolve, CONSOLE_POLL_MS))
  }
  sayReadyOnce()

  // tsx reruns the echo server on a file change, not when it stops (and a
  // process killed with SIGKILL leaves its watcher waiting): once it ran, a
  // free port means it stopped, and a new watcher and server take over.
  const restartEcho = (why: string) => {
    const old = services[0]
    if (!old || isStopping) return
    say(`${why}: starting it again.`)
    isEchoUp = false
    services.shift()
    stopService(old, 'SIGKILL')
    const started = startEcho()
    services.unshift(started)
    watchExit(started)
    clearTimeout(echoRestartTimer)
    echoRestartTimer = setTimeout(() => {
      say(
        'The echo server did not start again (see its output above). Save a file in apps/echo-server/src, or press Enter here, to try again.',
      )
    }, ECHO_RESTART_WAIT_MS)
  }
  process.stdin.on('data', () => restartEcho('Enter pressed'))
  process.stdin.on('error', () => undefined) // no terminal (CI): nothing to read
  const checkEcho = async () => {
    if (isStopping) return
    if (isEchoUp && !(await isPortTaken(ports.echo)))
      restartEcho(`The echo server on 127.0.0.1:${ports.echo} stopped`)
    setTimeout(() => void checkEcho(), ECHO_CHECK_MS).unref()
  }
  void checkEcho()
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${paint('red', '[dev]')} ${err instanceof DevError ? err.message : String(err)}\n`,
  )
  process.exit(1)
})
