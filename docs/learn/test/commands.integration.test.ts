import { describe, expect, it, type TestContext } from 'vitest'
import { chapterFiles, codeBlocks, type CodeBlock } from './markdown.js'
import { REPO_ROOT, assertBuilt } from './processes.js'
import { matchesOutput, runBlock } from './shell-runner.js'

const shellBlocks = chapterFiles()
  .flatMap(codeBlocks)
  .filter((b) => b.lang === 'sh')

/**
 * Chapters 4 and 5 use the client of the newcomer issue (LineSplitter,
 * BinaryReader, reconnect). Until that branch is merged, the blocks that run
 * those snippets are skipped with a note naming what is missing; once the
 * built client exports them, they run like every other block.
 */
const NEW_CLIENT_EXPORTS = ['LineSplitter', 'BinaryReader', 'reconnectPolicy']
const usesNewClient = (block: string): boolean =>
  /examples\/ch4\/read-|examples\/ch5\/reconnect\.js/.test(block)
const builtClient = (await import(
  `${REPO_ROOT}packages/client/dist/index.js`
).catch(() => ({}))) as Record<string, unknown>
const missingExports = NEW_CLIENT_EXPORTS.filter((n) => !(n in builtClient))

describe('every command of the walkthrough', () => {
  it.for(shellBlocks.map((b) => [`${b.chapter}:${b.line}`, b] as const))(
    '%s runs and shows what the chapter says',
    { timeout: 60_000 },
    async ([, block]: readonly [string, CodeBlock], { skip }: TestContext) => {
      assertBuilt()
      if (usesNewClient(block.content) && missingExports.length > 0) {
        skip(
          `@wsrelay/client does not export ${missingExports.join(', ')} yet (branch newcomer)`,
        )
      }
      const run = await runBlock(block.content)
      expect(run.ran.length + run.skipped.length).toBeGreaterThan(0)
      if (block.output !== undefined) {
        expect(
          matchesOutput(block.output, run.stdout),
          `expected:\n${block.output}\ngot:\n${run.stdout}`,
        ).toBe(true)
      }
    },
  )
})
