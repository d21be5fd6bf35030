import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runToExit, startProcess, type WatchedProcess } from './processes.js'

/**
 * The built relay CLI, `packages/relay/dist/cli.js`. This file sits one
 * folder below the test kit's root whether it runs from `src/` (Vitest) or
 * `dist/` (the fuzzer, the bench, Playwright).
 */
export const RELAY_CLI = fileURLToPath(
  new URL('../../relay/dist/cli.js', import.meta.url),
)

/** Throws a clear error when the CLI has not been built. */
export function assertCliBuilt(): void {
  if (!existsSync(RELAY_CLI))
    throw new Error(
      `${RELAY_CLI} is missing: run "pnpm build" first (pnpm test does).`,
    )
}

/** A relay process that has logged `relay listening`. */
export interface RelayProcess extends WatchedProcess<string> {
  /** The port it listens on. */
  readonly port: number
  /** `ws://127.0.0.1:PORT/` as its log line says. */
  readonly url: string
}

/** Options of {@link startRelayProcess}. */
export interface RelayProcessOptions {
  readonly env?: NodeJS.ProcessEnv
  /** Open-file limit for the process (prlimit execs the relay, so the pid is the relay's). */
  readonly nofile?: number
  /** More argv before node (e.g. `taskset -c 0`). */
  readonly wrapper?: readonly string[]
  /** Node's own flags (`--cpu-prof`). */
  readonly nodeFlags?: readonly string[]
  /** Another program that logs the same line (the bench's baseline relays); default the CLI. */
  readonly program?: string
  readonly startTimeoutMs?: number
  readonly cwd?: string
}

/**
 * Starts `node dist/cli.js ...args` and resolves once it logs its JSON line
 * `{"msg":"relay listening","url":…}`: the one way fuzz, tests, e2e, the
 * bench and the walkthrough's tests start a relay.
 *
 * @example
 * const relay = await startRelayProcess(['127.0.0.1:0', '127.0.0.1:5000'])
 * new WebSocket(relay.url)
 * await relay.stop() // SIGTERM: the relay drains and exits 0
 */
export async function startRelayProcess(
  args: readonly string[],
  options: RelayProcessOptions = {},
): Promise<RelayProcess> {
  const program = options.program ?? RELAY_CLI
  if (program === RELAY_CLI) assertCliBuilt()
  const wrapper = [
    ...(options.nofile === undefined
      ? []
      : ['prlimit', `--nofile=${options.nofile}:${options.nofile}`, '--']),
    ...(options.wrapper ?? []),
  ]
  const watched = await startProcess({
    command: process.execPath,
    args: [...(options.nodeFlags ?? []), program, ...args],
    wrapper,
    env: options.env,
    cwd: options.cwd,
    name: `wsrelay ${args.join(' ')}`,
    readyTimeoutMs: options.startTimeoutMs,
    ready: (_line, json) =>
      json?.msg === 'relay listening' && typeof json.url === 'string'
        ? json.url
        : undefined,
  })
  return {
    ...watched,
    url: watched.ready,
    port: Number(new URL(watched.ready).port),
  }
}

/** Runs the CLI to completion (`--help`, argument errors); resolves with its exit and output. */
export function runRelayCli(
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertCliBuilt()
  return runToExit(process.execPath, [RELAY_CLI, ...args], options)
}
