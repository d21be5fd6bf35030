import { existsSync } from 'node:fs'
import { devices, type Project } from '@playwright/test'

/**
 * Chromium and Chrome as systems install them, in the order they are
 * preferred: Debian's package, then the names other distributions and Google
 * use, then macOS's applications.
 */
export const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
] as const

/** The value of E2E_CHROMIUM that means Playwright's own Chromium. */
export const PLAYWRIGHT_CHROMIUM = 'playwright'

/**
 * The Chromium the specs run: E2E_CHROMIUM (a path, or `playwright` for
 * Playwright's own), which `pnpm test` sets to what `browser.ts` found
 * working; otherwise the first system Chromium that exists; otherwise
 * Playwright's own (undefined).
 */
export function chosenChromium(): string | undefined {
  const chosen = process.env.E2E_CHROMIUM
  if (chosen === PLAYWRIGHT_CHROMIUM) return undefined
  if (chosen) return chosen
  return SYSTEM_CHROMIUMS.find((path) => existsSync(path))
}

const isRoot = process.getuid?.() === 0

/**
 * Chromium's flags here: as root it cannot sandbox itself (CI and containers
 * run as root); nothing in the background may reach the network.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  ...(isRoot ? ['--no-sandbox'] : []),
  '--disable-background-networking',
  '--disable-component-update',
]

/** The browser every Playwright config here runs (e2e, compose, the bare machine check). */
export const chromium: Project = {
  name: 'chromium',
  use: {
    ...devices['Desktop Chrome'],
    launchOptions: {
      executablePath: chosenChromium(),
      args: [...CHROMIUM_ARGS],
    },
  },
}
