import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { REPO_ROOT } from './processes.js'

/**
 * The ports the walkthrough's commands use. The runner gives every block
 * fresh free ports in their place, so tests never need fixed ports, and maps
 * them back in the output it compares.
 */
export const DOC_PORTS = [5000, 7000, 8080, 8081] as const

/**
 * Commands a reader types that this runner does not run, each with the place
 * CI runs it instead. Anything else in an `sh` block must run here.
 */
export const RUN_ELSEWHERE: Readonly<Record<string, string>> = {
  'pnpm install': '.ci/run installs with pnpm install --frozen-lockfile',
  'pnpm build': 'pnpm test builds before any test runs',
  'pnpm dev':
    'e2e/playwright.config.ts starts the same three processes; console.spec.ts types a line',
  'pnpm test': '.ci/run runs it',
  'pnpm learn:compare': 'compare.integration.test.ts runs it with --quick',
  'sudo cp deploy/nginx.conf':
    'packages/relay/src/nginx.test.ts runs deploy/nginx.conf with a real nginx; CI does not reconfigure its own',
  'sudo nginx':
    'packages/relay/src/nginx.test.ts starts nginx with deploy/nginx.conf',
  'docker compose up':
    'no Docker engine in CI: .ci/run checks docker-compose config and runs the containers’ commands (.ci/smoke-compose.py)',
}

/** Why a command is not run here, or undefined when it must run. */
export function runElsewhere(command: string): string | undefined {
  const parts = command.split('&&').map((p) => p.replace(/\s+#.*$/, '').trim())
  const reasons = parts.map((part) =>
    Object.entries(RUN_ELSEWHERE).find(
      ([prefix]) => part === prefix || part.startsWith(`${prefix} `),
    ),
  )
  if (reasons.every((r) => r !== undefined))
    return reasons.map((r) => r[1]).join('; ')
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

async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

async function waitForPort(port: number, child: ChildProcess, what: string) {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`"${what}" exited with ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    // Polling a port has no event to await; 50 ms is the retry interval.
    await delay(50)
  }
  throw new Error(`"${what}" did not listen on 127.0.0.1:${port} within 20 s`)
}

/** What one `sh` block did. */
export interface BlockRun {
  /** Commands it ran, with the free ports in place of the documented ones. */
  readonly ran: string[]
  /** Commands it skipped, with where CI runs them. */
  readonly skipped: { command: string; reason: string }[]
  /** Output of the foreground commands, the documented ports put back. */
  readonly stdout: string
}

/**
 * Runs an `sh` block from the repository root as a reader would: lines ending
 * in `&` start servers (awaited until their port accepts), the others must
 * exit 0 within 20 s. The servers are stopped with SIGTERM at the end.
 */
export async function runBlock(block: string): Promise<BlockRun> {
  const ports = new Map<number, number>()
  for (const port of DOC_PORTS) ports.set(port, await freePort())
  const rewrite = (command: string): string =>
    command.replace(/(?<![\d.])(\d{4})(?!\d)/g, (text, n: string) =>
      String(ports.get(Number(n)) ?? text),
    )
  const background: { child: ChildProcess; exited: Promise<unknown> }[] = []
  const result: BlockRun = { ran: [], skipped: [], stdout: '' }
  let stdout = ''
  try {
    for (const command of commandsOf(block)) {
      const reason = runElsewhere(command)
      if (reason !== undefined) {
        result.skipped.push({ command, reason })
        continue
      }
      const actual = rewrite(command)
      result.ran.push(actual)
      if (actual.endsWith('&')) {
        // exec, so the PID is the server's own and SIGTERM reaches it; leading
        // VAR=value assignments go before exec.
        const [, env = '', program = ''] =
          /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)(.*)$/.exec(
            actual.slice(0, -1).trim(),
          ) ?? []
        const child = spawn('bash', ['-c', `${env}exec ${program}`], {
          cwd: REPO_ROOT,
          stdio: 'ignore',
        })
        background.push({ child, exited: once(child, 'exit') })
        // Its listen ports are the documented ones not written as a target
        // (host:PORT): wait until they accept.
        const named = [...command.matchAll(/(?<![\d.:])(\d{4})(?!\d)/g)]
          .map((m) => ports.get(Number(m[1])))
          .filter((p) => p !== undefined)
        if (named.length === 0)
          throw new Error(
            `Background command "${command}" listens on none of the ports ${DOC_PORTS.join(', ')}`,
          )
        for (const port of named) await waitForPort(port, child, command)
        continue
      }
      const child = spawn('bash', ['-c', actual], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
      })
      let out = ''
      let err = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
      const [code] = (await once(child, 'close')) as [number | null]
      if (code !== 0)
        throw new Error(`"${actual}" exited with ${code}:\n${out}${err}`)
      stdout += out
    }
  } finally {
    for (const { child } of background) child.kill('SIGTERM')
    await Promise.all(background.map((b) => b.exited))
  }
  let back = stdout
  for (const [doc, free] of ports)
    back = back.replace(new RegExp(`(?<!\\d)${free}(?!\\d)`, 'g'), String(doc))
  return { ...result, stdout: back }
}

/** A chapter's line against an output line; `…` in the chapter stands for any text. */
function sameLine(wanted: string, output: string): boolean {
  // Runs of spaces are column alignment, which shifts when a free port is
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
