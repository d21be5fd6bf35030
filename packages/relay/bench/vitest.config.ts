import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The bench's helpers are tested apart from `pnpm test`: the root config only
// collects packages/*/src.
export default defineConfig({
  test: {
    dir: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.test.ts'],
    environment: 'node',
  },
})
