import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

const isCi = process.env.CI === 'true'

export default defineConfig({
  resolve: { conditions: ['@wsrelay/source', ...defaultClientConditions] },
  ssr: {
    resolve: { conditions: ['@wsrelay/source', ...defaultServerConditions] },
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'docs/learn/test/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: isCi ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/unit.json' },
  },
})
