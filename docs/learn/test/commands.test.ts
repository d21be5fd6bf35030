import { describe, expect, it } from 'vitest'
import { chapterFiles, codeBlocks } from './markdown.js'
import { assertBuilt } from './processes.js'
import { matchesOutput, runBlock } from './shell-runner.js'

const shellBlocks = chapterFiles()
  .flatMap(codeBlocks)
  .filter((b) => b.lang === 'sh')

describe('every command of the walkthrough', () => {
  it.concurrent.each(shellBlocks.map((b) => [`${b.chapter}:${b.line}`, b] as const))(
    '%s runs and shows what the chapter says',
    async (_where, block) => {
      assertBuilt()
      const run = await runBlock(block.content)
      expect(run.ran.length + run.skipped.length).toBeGreaterThan(0)
      if (block.output !== undefined) {
        expect(
          matchesOutput(block.output, run.stdout),
          `expected:\n${block.output}\ngot:\n${run.stdout}`,
        ).toBe(true)
      }
    },
    60_000,
  )
})
