import { defineConfig } from '@playwright/test'
import { chromium } from '../chromium.js'

/**
 * The README's demo line on a bare machine, seen from outside: Chromium on
 * this machine opens the URL `pnpm dev` printed in a clean container (host
 * network) and types hello. `.ci/docker/bare-machine.sh` starts the demo,
 * runs this with BARE_DEMO_URL, and stops it.
 */
const url = process.env.BARE_DEMO_URL
if (!url) {
  throw new Error(
    'BARE_DEMO_URL is unset: run .ci/docker/bare-machine.sh, which starts the demo in a clean container first.',
  )
}
const isCi = process.env.CI === 'true'

export default defineConfig({
  testDir: '.',
  workers: 1,
  forbidOnly: isCi,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: isCi
    ? [['list'], ['json', { outputFile: '../../test-results/bare.json' }]]
    : [['list']],
  use: {
    baseURL: url,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [chromium],
})
