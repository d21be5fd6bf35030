import { existsSync } from 'node:fs'
import { devices, type Project } from '@playwright/test'

/** Debian's Chromium where installed (Playwright cannot download its own here). */
const DEBIAN_CHROMIUM = '/usr/bin/chromium'
const executablePath = existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined
const isRoot = process.getuid?.() === 0

/** The browser every Playwright config here runs: Debian's Chromium, else Playwright's own. */
export const chromium: Project = {
  name: 'chromium',
  use: {
    ...devices['Desktop Chrome'],
    launchOptions: {
      executablePath,
      args: [
        ...(isRoot ? ['--no-sandbox'] : []),
        '--disable-background-networking',
        '--disable-component-update',
      ],
    },
  },
}
