import { execFileSync } from 'node:child_process'
import {
  accessSync,
  appendFileSync,
  constants,
  mkdirSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { delimiter, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The programs from outside the repository that some tests need, each with
 * the package that installs it. A test that needs one asks {@link lacks};
 * nothing else in the tests looks for a program. Node, npm, pnpm, bash and
 * the coreutils are not here: nothing runs without them. Chromium is the
 * e2e package's own business (`e2e/browser.ts`): the test command gets one.
 */
export const TOOLS = {
  nginx: {
    debian: 'nginx-light',
    brew: 'nginx',
    // Debian puts it in /usr/sbin, which is not on a user's PATH.
    paths: ['/usr/sbin/nginx', '/usr/local/sbin/nginx'],
  },
  // On macOS both come with Xcode's command line tools, not Homebrew.
  'g++': { debian: 'g++', brew: undefined, paths: [] },
  make: { debian: 'make', brew: undefined, paths: [] },
  cmake: { debian: 'cmake', brew: 'cmake', paths: [] },
  curl: { debian: 'curl', brew: 'curl', paths: [] },
  openssl: { debian: 'openssl', brew: 'openssl', paths: [] },
  python3: { debian: 'python3', brew: 'python', paths: [] },
  ss: { debian: 'iproute2', brew: undefined, paths: ['/usr/sbin/ss'] },
} as const satisfies Record<
  string,
  {
    /** The Debian and Ubuntu package. */
    readonly debian: string
    /** The Homebrew formula, where one exists. */
    readonly brew: string | undefined
    /** Where it lives when not on PATH. */
    readonly paths: readonly string[]
  }
>

/** A program some tests need: a key of {@link TOOLS}. */
export type Tool = keyof typeof TOOLS

/** One skip for want of tools, as recorded in {@link skipsFile}. */
export interface ToolSkip {
  /** The tools that were missing (of those it needs). */
  readonly tools: readonly Tool[]
  /** What was skipped: a test file's name, or what the caller called it. */
  readonly what: string
}

/** The repository root: this file sits three folders below it, in `src/` or `dist/`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Where skips are recorded, one JSON line each, by every Vitest and
 * Playwright worker: `test-results/skipped-tools.jsonl`, or
 * TEST_TOOL_SKIPS_FILE (for this module's own tests). `pnpm test` empties it
 * first and sums it up last.
 */
export const skipsFile = (): string =>
  process.env.TEST_TOOL_SKIPS_FILE ??
  join(ROOT, 'test-results/skipped-tools.jsonl')

const isCi = (): boolean => process.env.CI === 'true'
/** Looked up once per PATH and tool: a test file may ask many times. */
const found = new Map<string, string | undefined>()

/** Where `tool` is (a path on PATH, or one of its usual places), or undefined when it is not installed. */
export function toolPath(tool: Tool): string | undefined {
  const path = process.env.PATH ?? ''
  const key = `${tool}\0${path}`
  if (found.has(key)) return found.get(key)
  const dirs = path.split(delimiter).filter(Boolean)
  const where = [...dirs.map((d) => join(d, tool)), ...TOOLS[tool].paths].find(
    isExecutable,
  )
  found.set(key, where)
  return where
}

/**
 * True when any of `tools` is missing: the caller then skips (Vitest's
 * `describe.skipIf`, `it.skipIf`, `ctx.skip`; Playwright's `test.skip`),
 * and the skip is recorded for `pnpm test`'s last line. Under CI=true it
 * throws instead, so CI cannot pass with part of the suite unrun.
 *
 * @example
 * describe.skipIf(lacks('nginx'))('behind a real nginx', () => { … })
 * it.for(chapters)('%s', (chapter, { skip }) => {
 *   skip(lacks(toolsOf(chapter), chapter))
 * })
 */
export function lacks(tools: Tool | readonly Tool[], what?: string): boolean {
  const wanted: readonly Tool[] = typeof tools === 'string' ? [tools] : tools
  const missing = wanted.filter((t) => toolPath(t) === undefined)
  if (missing.length === 0) return false
  const skip: ToolSkip = { tools: missing, what: what ?? callerFile() }
  if (isCi()) {
    throw new Error(
      `${skip.what} needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed; under CI=true no test is skipped for a missing tool. Install: ${installCommand(missing)}`,
    )
  }
  const file = skipsFile()
  mkdirSync(dirname(file), { recursive: true })
  // One short write per line with O_APPEND: lines from parallel workers do not interleave.
  appendFileSync(file, `${JSON.stringify(skip)}\n`)
  return true
}

/** This module as a stack frame may name it: its source, or its build (Playwright maps frames of `dist/` back to `src/`). */
const SELF = new Set(
  ['src/tools.ts', 'dist/tools.js'].map((f) =>
    fileURLToPath(new URL(`../${f}`, import.meta.url)),
  ),
)

/** The test file that called {@link lacks}, from the root: the first stack frame outside this module. */
function callerFile(): string {
  for (const line of (new Error().stack ?? '').split('\n').slice(1)) {
    const file = /(?:file:\/\/)?(\/[^\s():]+):\d+:\d+\)?$/.exec(line)?.[1]
    if (file !== undefined && !SELF.has(file)) return relative(ROOT, file)
  }
  return 'a test'
}

/** The skips recorded since {@link clearToolSkips}. */
export function readToolSkips(): ToolSkip[] {
  let text = ''
  try {
    text = readFileSync(skipsFile(), 'utf8')
  } catch {
    return [] // nothing was skipped, or nothing has run yet
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ToolSkip)
}

/** Forgets the skips of earlier runs. */
export function clearToolSkips(): void {
  rmSync(skipsFile(), { force: true })
}

/** What decides how a tool is installed: a package manager, and whether sudo is needed. */
export interface InstallSystem {
  readonly hasApt: boolean
  readonly isRoot: boolean
  readonly platform: NodeJS.Platform
}

/** This machine, as {@link installCommand} sees it. */
export const thisSystem = (): InstallSystem => ({
  hasApt: ['/usr/bin/apt-get', '/bin/apt-get'].some(isExecutable),
  isRoot: process.getuid?.() === 0,
  platform: process.platform,
})

/**
 * The command that installs `tools`: apt-get on Debian and Ubuntu (with
 * sudo unless root), Homebrew on macOS, otherwise their names.
 */
export function installCommand(
  tools: readonly Tool[],
  system: InstallSystem = thisSystem(),
): string {
  if (system.hasApt) {
    const sudo = system.isRoot ? '' : 'sudo '
    return `${sudo}apt-get install ${unique(tools.map((t) => TOOLS[t].debian)).join(' ')}`
  }
  const formulas = tools.map((t) => TOOLS[t].brew)
  if (system.platform === 'darwin' && formulas.every((f) => f !== undefined))
    return `brew install ${unique(formulas).join(' ')}`
  return `install ${tools.join(', ')} with the system's package manager`
}

/**
 * The one line that sums up `skips`, or undefined when there are none:
 * each set of missing tools with what it skipped, then the install command.
 *
 * @example
 * // Skipped for want of a tool: nginx: nginx.integration.test.ts, load-balancer.integration.test.ts; …. To run them too: sudo apt-get install nginx-light
 */
export function toolSkipsLine(
  skips: readonly ToolSkip[],
  system: InstallSystem = thisSystem(),
): string | undefined {
  if (skips.length === 0) return undefined
  const byTools = new Map<string, Set<string>>()
  for (const { tools, what } of skips) {
    const key = [...tools].sort().join(' ')
    byTools.set(key, (byTools.get(key) ?? new Set()).add(what))
  }
  const groups = [...byTools]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tools, whats]) => `${tools}: ${[...whats].sort().join(', ')}`)
  const all = unique(skips.flatMap((s) => s.tools)).sort()
  return `Skipped for want of a tool: ${groups.join('; ')}. To run them too: ${installCommand(all, system)}`
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false // absent or not executable
  }
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)]

/** A throwaway self-signed certificate and its key, as PEM files. */
export interface TestCertificate {
  /** The certificate's path. */
  readonly cert: string
  /** The private key's path. */
  readonly key: string
}

/**
 * Makes a self-signed P-256 certificate for 127.0.0.1 (valid one day) in
 * `dir`, with `openssl`. Call it from a hook or a test, never while tests are
 * collected, and only where `lacks('openssl')` skipped the suite otherwise.
 */
export function selfSignedCertificate(
  dir: string,
  name = 'cert',
): TestCertificate {
  const cert = join(dir, `${name}.crt`)
  const key = join(dir, `${name}.key`)
  execFileSync(
    toolPath('openssl') ?? 'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  return { cert, key }
}
