import { fileURLToPath } from 'node:url'
import {
  startProcess,
  startRelayProcess,
  type WatchedProcess,
} from '@wsrelay/test-kit'

const path = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const ECHO_CLI = path('../apps/echo-server/dist/cli.js')
const CONSOLE_DIST = path('../apps/console/dist')

/** A server a spec started itself, so it can stop it without touching the shared ones. */
export interface SpecProcess {
  readonly child: WatchedProcess<unknown>['child']
  /** Stops it by its PID (SIGKILL: a crash, not a polite shutdown) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

const specProcess = (watched: WatchedProcess<unknown>): SpecProcess => ({
  child: watched.child,
  kill: (signal = 'SIGKILL') => watched.stop(signal),
})

/** The echo server CLI on 127.0.0.1:port (`suffix` for line mode). */
export async function startEcho(
  port: number,
  suffix?: string,
): Promise<SpecProcess> {
  const args = ['--host', '127.0.0.1', '--port', String(port)]
  if (suffix !== undefined) args.push('--suffix', suffix)
  return specProcess(
    await startProcess({
      command: process.execPath,
      args: [ECHO_CLI, ...args],
      ready: (line) => (line.includes('listening') ? true : undefined),
    }),
  )
}

/** The relay CLI serving the built console on 127.0.0.1:port, relaying to 127.0.0.1:targetPort. */
export async function startRelay(
  port: number,
  targetPort: number,
): Promise<SpecProcess> {
  return specProcess(
    await startRelayProcess([
      '--web',
      CONSOLE_DIST,
      `127.0.0.1:${port}`,
      `127.0.0.1:${targetPort}`,
    ]),
  )
}

/** The relay CLI serving the built console on 127.0.0.1:port, with these settings (routes, timeouts). */
export async function startRelayWith(
  port: number,
  settings: readonly string[],
): Promise<SpecProcess> {
  return specProcess(
    await startRelayProcess([
      '--web',
      CONSOLE_DIST,
      ...settings,
      `127.0.0.1:${port}`,
    ]),
  )
}
