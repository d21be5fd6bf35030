import { defineConfig, type PlaywrightTestConfig } from '@playwright/test'
import { chromium } from './chromium.js'

const isCi = process.env.CI === 'true'

/**
 * A Playwright config for specs against a stack that a CI script started
 * and will stop (the compose demo, the bare machine's `pnpm dev`): the specs
 * beside the config, one worker (they share the stack), Chromium, and under
 * CI=true the results as `test-results/NAME.json`.
 */
export function runningStackConfig(
  name: string,
  baseURL: string,
): PlaywrightTestConfig {
  return defineConfig({
    testDir: '.',
    workers: 1,
    forbidOnly: isCi,
    retries: 0,
    timeout: 60_000,
    expect: { timeout: 15_000 },
    reporter: isCi
      ? [['list'], ['json', { outputFile: `../../test-results/${name}.json` }]]
      : [['list']],
    use: {
      baseURL,
      trace: 'retain-on-failure',
      screenshot: 'only-on-failure',
    },
    projects: [chromium],
  })
}
