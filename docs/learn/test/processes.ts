import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { RELAY_CLI } from '@wsrelay/test-kit'

/** The repository root, where every command of the walkthrough runs. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The built TypeScript echo server. */
const ECHO_CLI = `${REPO_ROOT}apps/echo-server/dist/cli.js`

/** Fails with the fix when the walkthrough's programs are not built yet. */
export function assertBuilt(): void {
  for (const file of [RELAY_CLI, ECHO_CLI]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing. Run "pnpm build" first (pnpm test does).`,
      )
    }
  }
}
