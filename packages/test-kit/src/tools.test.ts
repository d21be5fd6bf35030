import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  clearToolSkips,
  installCommand,
  lacks,
  readToolSkips,
  TOOLS,
  toolPath,
  toolSkipsLine,
} from './tools.js'

const DEBIAN_USER = { hasApt: true, isRoot: false, platform: 'linux' } as const

describe('lacks', () => {
  let dir = ''
  beforeEach(() => {
    // A PATH holding a fake curl and nothing else; skips go to a file of the test's own.
    dir = mkdtempSync(join(tmpdir(), 'wsrelay-tools-'))
    writeFileSync(join(dir, 'curl'), '#!/bin/sh\n')
    chmodSync(join(dir, 'curl'), 0o755)
    writeFileSync(join(dir, 'make'), 'not executable')
    vi.stubEnv('PATH', dir)
    vi.stubEnv('CI', '')
    vi.stubEnv('TEST_TOOL_SKIPS_FILE', join(dir, 'skips.jsonl'))
  })
  afterEach(() => {
    vi.unstubAllEnvs()
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds an executable on PATH, and only an executable', () => {
    expect(toolPath('curl')).toBe(join(dir, 'curl'))
    expect(toolPath('make')).toBeUndefined()
    expect(toolPath('cmake')).toBeUndefined()
  })

  it('says nothing is missing and records nothing when every tool is there', () => {
    expect(lacks('curl')).toBe(false)
    expect(readToolSkips()).toEqual([])
  })

  it('records what was skipped, with only the tools that are missing', () => {
    expect(lacks(['curl', 'cmake', 'make'])).toBe(true)
    expect(lacks('python3', 'chapter 9 alone')).toBe(true)
    expect(readToolSkips()).toEqual([
      {
        tools: ['cmake', 'make'],
        what: 'packages/test-kit/src/tools.test.ts',
      },
      { tools: ['python3'], what: 'chapter 9 alone' },
    ])
    clearToolSkips()
    expect(readToolSkips()).toEqual([])
  })

  it('throws under CI=true instead of skipping, naming the install command', () => {
    vi.stubEnv('CI', 'true')
    expect(() => lacks(['curl', 'openssl'], 'the TLS tests')).toThrow(
      `the TLS tests needs openssl, which is not installed; under CI=true no test is skipped for a missing tool. Install: ${installCommand(['openssl'])}`,
    )
    expect(readToolSkips()).toEqual([])
  })
})

describe('installCommand', () => {
  it('names the Debian packages, with sudo unless root', () => {
    expect(installCommand(['nginx', 'g++', 'ss'], DEBIAN_USER)).toBe(
      'sudo apt-get install nginx-light g++ iproute2',
    )
    expect(installCommand(['nginx'], { ...DEBIAN_USER, isRoot: true })).toBe(
      'apt-get install nginx-light',
    )
  })

  it("is the README's line that installs every tool", () => {
    const readme = readFileSync(
      new URL('../../../README.md', import.meta.url),
      'utf8',
    )
    const all = Object.keys(TOOLS) as (keyof typeof TOOLS)[]
    expect(readme).toContain(`\n${installCommand(all, DEBIAN_USER)}\n`)
  })

  it('uses Homebrew on macOS, and names the tools where no package manager is known', () => {
    const mac = { hasApt: false, isRoot: false, platform: 'darwin' } as const
    expect(installCommand(['nginx', 'python3'], mac)).toBe(
      'brew install nginx python',
    )
    expect(installCommand(['ss'], mac)).toBe(
      "install ss with the system's package manager",
    )
  })
})

describe('toolSkipsLine', () => {
  it('is undefined when nothing was skipped', () => {
    expect(toolSkipsLine([], DEBIAN_USER)).toBeUndefined()
  })

  it('lists what each set of missing tools skipped, once, then one command for all', () => {
    expect(
      toolSkipsLine(
        [
          { tools: ['nginx'], what: 'b.test.ts' },
          { tools: ['make', 'g++'], what: 'chapter 8 alone' },
          { tools: ['nginx'], what: 'a.test.ts' },
          { tools: ['nginx'], what: 'a.test.ts' },
          { tools: ['g++', 'make'], what: 'c.spec.ts' },
        ],
        DEBIAN_USER,
      ),
    ).toBe(
      'Skipped for want of a tool: g++ make: c.spec.ts, chapter 8 alone; nginx: a.test.ts, b.test.ts. To run them too: sudo apt-get install g++ make nginx-light',
    )
  })
})
