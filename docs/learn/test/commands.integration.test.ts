import { lacks } from '@wsrelay/test-kit/tools'
import { describe, expect, it } from 'vitest'
import { chapterFiles } from './markdown.js'
import { assertBuilt } from './processes.js'
import { PortMap } from './shell-runner.js'
import { toolsOf, walkThrough } from './walkthrough.js'

/**
 * Each chapter alone, as a reader who starts there: its blocks in order in a
 * fresh shell, on free ports (so it runs beside other tests), each block's
 * output against the chapter's. A chapter starts from nothing and stops what
 * it started. `in-order.walkthrough.test.ts` types the whole text in one
 * shell on the text's own ports.
 */
describe('every chapter, alone in a fresh terminal', () => {
  it.for(chapterFiles())(
    '%s runs and shows what it says',
    { timeout: 120_000 },
    async (chapter, { skip }) => {
      skip(lacks(toolsOf('chapter', [chapter]), `docs/learn/${chapter} alone`))
      assertBuilt()
      const summary = await walkThrough({
        ports: await PortMap.free(),
        mode: 'chapter',
        chapters: [chapter],
      })
      expect(
        summary.leftRunning,
        'jobs still running at the end of the chapter: it must stop every server it starts',
      ).toBe('')
    },
  )
})
