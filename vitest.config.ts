import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

const isCi = process.env.CI === 'true'
const resolve = {
  conditions: ['@wsrelay/source', ...defaultClientConditions],
}
const ssr = {
  resolve: { conditions: ['@wsrelay/source', ...defaultServerConditions] },
}
const sources = [
  'packages/*/src/**',
  'packages/*/bench',
  'apps/*/src/**',
  'packages/*/fuzz',
  'docs/learn/test',
  'scripts',
]

/**
 * Three projects: unit tests are pure and fast and fail fast (2 s per test);
 * integration tests (`*.integration.test.ts`) use real sockets, processes and
 * nginx, and may take longer; the walkthrough (`*.walkthrough.test.ts`) runs
 * after both, alone.
 */
export default defineConfig({
  resolve,
  ssr,
  test: {
    reporters: isCi ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/unit.json' },
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: sources.map((s) => `${s}/*.test.ts`),
          exclude: [
            '**/*.integration.test.ts',
            '**/*.walkthrough.test.ts',
            '**/node_modules/**',
          ],
          environment: 'node',
          testTimeout: 2_000,
          hookTimeout: 2_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          include: sources.map((s) => `${s}/*.integration.test.ts`),
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        ssr,
        test: {
          // The walkthrough typed in order, on the text's fixed ports: it
          // builds, starts `pnpm dev` and measures, so it runs after the
          // other projects, alone.
          name: 'walkthrough',
          include: ['docs/learn/test/*.walkthrough.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
