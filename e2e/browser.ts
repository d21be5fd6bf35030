/**
 * A Chromium for the e2e tests, found or installed before the first spec
 * runs: `pnpm test` runs this first, so a machine without a browser stops
 * here, in one line, instead of failing every spec after minutes of work.
 * Alone: `pnpm --filter @wsrelay/e2e browser`.
 *
 * In order: E2E_CHROMIUM when set; a system Chromium (chromium.ts's list);
 * Playwright's own when installed; otherwise it installs one: Playwright's
 * (`playwright install chromium`, and its system libraries as root on Debian
 * or Ubuntu, as `--with-deps` does), or, where Playwright's download cannot
 * be reached, Debian's `chromium` package (as root). Each candidate counts
 * only once it has started and stopped. Progress goes to stderr; stdout gets
 * one line, the value for E2E_CHROMIUM (a path, or `playwright`).
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { chromium } from '@playwright/test'
import {
  CHROMIUM_ARGS,
  PLAYWRIGHT_CHROMIUM,
  SYSTEM_CHROMIUMS,
} from './chromium.js'

/** How long a Chromium may take to start, in ms (a cold start on a busy 2-core machine takes a few seconds). */
const LAUNCH_TIMEOUT_MS = 60_000
const DEBIAN_CHROMIUM = '/usr/bin/chromium'
const PLAYWRIGHT_CLI = createRequire(import.meta.url).resolve(
  '@playwright/test/cli',
)
/** What a person types to run Playwright's CLI from the repository root. */
const PLAYWRIGHT_CMD = 'pnpm --filter @wsrelay/e2e exec playwright'

const say = (line: string): void => {
  process.stderr.write(`[browser] ${line}\n`)
}

/** Why Chromium at `executablePath` (Playwright's own when undefined) does not start, or undefined when it does. */
async function whyNotStarting(
  executablePath: string | undefined,
): Promise<string | undefined> {
  try {
    const browser = await chromium.launch({
      executablePath,
      args: [...CHROMIUM_ARGS],
      timeout: LAUNCH_TIMEOUT_MS,
    })
    await browser.close()
    return undefined
  } catch (err) {
    return firstLine(err instanceof Error ? err.message : String(err))
  }
}

/** A Playwright error's first line that says something, without the API prefix. */
function firstLine(message: string): string {
  const line =
    message
      .split('\n')
      .map((l) => l.replace(/^\s*[╔║╚].*$/, '').trim())
      .find(Boolean) ?? message
  return line.replace(/^browserType\.launch: /, '')
}

/**
 * Runs `command args` and resolves with its exit code and output. The lines
 * `shown` picks go to stderr as they come (a download's progress); all of
 * it is returned, for the cause of a failure.
 */
function run(
  command: string,
  args: readonly string[],
  shown: (line: string) => boolean = () => false,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        output += `${line}\n`
        if (shown(line)) process.stderr.write(`${line}\n`)
      })
    child.on('error', (err) => {
      output += `Error: ${err.message}\n`
      resolve({ code: 127, output })
    })
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

/** The end of a command's output, for a failure that has no one-line cause. */
const tail = (output: string, lines = 15): string =>
  output.trimEnd().split('\n').slice(-lines).join('\n')

/** Playwright's CLI, on the Node that runs this: its download progress shown, its retries' stack traces not. */
const playwright = (...args: string[]) =>
  run(process.execPath, [PLAYWRIGHT_CLI, ...args], (line) =>
    /^Downloading |% of |downloaded to /.test(line),
  )

/** The first `Error: …` line of Playwright's install output that names a cause (a DNS or HTTP failure). */
function downloadError(output: string): string {
  const causes = output
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l.startsWith('Error: ') &&
        !/Failed to download|Download failure|Failed to install/.test(l),
    )
  return causes[0]?.slice('Error: '.length) ?? 'the download failed'
}

/** The distribution, from /etc/os-release: its ID and the IDs it is like. */
function distribution(): { id: string; like: string[] } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8')
    const field = (name: string) =>
      new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? ''
    return { id: field('ID'), like: field('ID_LIKE').split(' ') }
  } catch {
    return { id: '', like: [] } // not Linux, or no os-release: no apt paths
  }
}

/** What was found or installed: the value for E2E_CHROMIUM. Throws with the one line to show when there is none. */
async function findOrInstall(): Promise<string> {
  const chosen = process.env.E2E_CHROMIUM
  if (chosen) {
    const why = await whyNotStarting(
      chosen === PLAYWRIGHT_CHROMIUM ? undefined : chosen,
    )
    if (why === undefined) return chosen
    throw new Error(
      `E2E_CHROMIUM=${chosen} does not start (${why}): point it at a Chromium that does, or unset it.`,
    )
  }
  for (const path of SYSTEM_CHROMIUMS.filter((p) => existsSync(p))) {
    const why = await whyNotStarting(path)
    if (why === undefined) return path
    say(`${path} does not start (${why}); looking further`)
  }
  if ((await whyNotStarting(undefined)) === undefined)
    return PLAYWRIGHT_CHROMIUM

  const isRoot = process.getuid?.() === 0
  const hasApt = existsSync('/usr/bin/apt-get')
  const { id, like } = distribution()
  const isUbuntu = id === 'ubuntu' || like.includes('ubuntu')
  // Ubuntu's `chromium` package only installs the snap, which Playwright
  // cannot drive; Debian's (and its derivatives') is a real build.
  const isDebian = !isUbuntu && (id === 'debian' || like.includes('debian'))

  say(`no Chromium here: ${PLAYWRIGHT_CMD} install chromium`)
  const download = await playwright('install', 'chromium')
  const downloaded = download.code === 0
  let problem: string
  if (downloaded) {
    let why = await whyNotStarting(undefined)
    if (why !== undefined && isRoot && hasApt && (isDebian || isUbuntu)) {
      say(`it does not start (${why}): ${PLAYWRIGHT_CMD} install-deps chromium`)
      await playwright('install-deps', 'chromium')
      why = await whyNotStarting(undefined)
    }
    if (why === undefined) return PLAYWRIGHT_CHROMIUM
    problem = `Playwright's Chromium does not start: ${why}`
  } else {
    problem = `Playwright's download failed: ${downloadError(download.output)}`
  }

  if (isDebian && hasApt && isRoot) {
    say(`${problem}; apt-get install chromium (a minute or so)`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    let apt = await run('apt-get', ['update', '-qq'], undefined, env)
    if (apt.code === 0)
      apt = await run('apt-get', ['install', '-y', 'chromium'], undefined, env)
    if (apt.code !== 0) process.stderr.write(`${tail(apt.output)}\n`)
    const why =
      apt.code === 0
        ? await whyNotStarting(DEBIAN_CHROMIUM)
        : 'apt-get install chromium failed (its last lines are above)'
    if (why === undefined) return DEBIAN_CHROMIUM
    problem = `${problem}; ${why}`
  }
  const sudo = isRoot ? '' : 'sudo '
  const fix = isDebian
    ? `${sudo}apt-get install chromium`
    : downloaded
      ? `${sudo}${PLAYWRIGHT_CMD} install-deps chromium`
      : `${PLAYWRIGHT_CMD} install chromium, where cdn.playwright.dev can be reached (or install Google Chrome)`
  throw new Error(`No Chromium for the e2e tests (${problem}). Run: ${fix}`)
}

try {
  const chosen = await findOrInstall()
  say(
    `Chromium for the e2e tests: ${chosen === PLAYWRIGHT_CHROMIUM ? "Playwright's own" : chosen}`,
  )
  process.stdout.write(`${chosen}\n`)
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
}
