/**
 * `pnpm test`: the whole suite from a fresh clone, on a machine with only
 * Node and pnpm. First a Chromium (found or installed by e2e/browser.ts), so
 * a machine that cannot have one stops at once with the command to run;
 * then build, Vitest (unit, integration, the walkthrough) and Playwright.
 * Tests whose outside tools are missing skip themselves (test-kit's
 * tools.ts; under CI=true they fail instead), and the run ends with one line
 * naming what was skipped and the command that installs it.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { styleText } from 'node:util'
import {
  clearToolSkips,
  readToolSkips,
  toolSkipsLine,
} from '@wsrelay/test-kit/tools'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const isWindows = process.platform === 'win32'

/** Runs `command args` (in the root unless told); resolves with its exit code and, if asked, its stdout. */
function run(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string
    env?: NodeJS.ProcessEnv
    captureStdout?: boolean
  } = {},
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      // pnpm is a .cmd script on Windows.
      shell: isWindows && command === 'pnpm',
      stdio: ['inherit', options.captureStdout ? 'pipe' : 'inherit', 'inherit'],
    })
    let stdout = ''
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.on('error', (err) => {
      process.stderr.write(`Cannot run ${command}: ${err.message}\n`)
      resolve({ code: 127, stdout })
    })
    // Ctrl-C reaches the whole process group: the step stops, and so does this.
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), stdout }),
    )
  })
}

async function main(): Promise<number> {
  // As `pnpm --filter @wsrelay/e2e browser` runs it, without pnpm's own
  // failure lines after the one this prints.
  const browser = await run(
    process.execPath,
    ['--import', 'tsx', 'browser.ts'],
    {
      cwd: `${ROOT}e2e`,
      captureStdout: true,
    },
  )
  // On failure it printed its one line (what to run) on stderr.
  if (browser.code !== 0) return browser.code
  const chromium = browser.stdout.trim().split('\n').pop() ?? ''

  clearToolSkips()
  try {
    for (const [args, env] of [
      [['build'], {}],
      [['exec', 'vitest', 'run'], {}],
      [['test:e2e'], { E2E_CHROMIUM: chromium }],
    ] as const) {
      const { code } = await run('pnpm', args, { env })
      if (code !== 0) return code
    }
    return 0
  } finally {
    const line = toolSkipsLine(readToolSkips())
    if (line !== undefined)
      process.stdout.write(
        `${process.stdout.isTTY && !process.env.NO_COLOR ? styleText('yellow', line) : line}\n`,
      )
  }
}

process.exitCode = await main()
