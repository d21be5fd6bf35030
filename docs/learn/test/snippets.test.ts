import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  LEARN_DIR,
  chapterFiles,
  codeBlocks,
  snippetSource,
} from './markdown.js'
import { REPO_ROOT } from './processes.js'

/** Fences that need no file behind them: diagrams, and outputs a test compares. */
const FREE_FORM = new Set(['mermaid', 'text', 'sh'])

const chapters = chapterFiles()
const blocks = chapters.flatMap(codeBlocks)

describe('the walkthrough quotes real files', () => {
  it('has all twelve chapters, numbered in order, each listed in the README', () => {
    const numbered = chapters.filter((c) => c !== 'README.md')
    expect(numbered.map((c) => Number(c.slice(0, 2)))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ])
    const readme = readFileSync(`${REPO_ROOT}${LEARN_DIR}/README.md`, 'utf8')
    for (const chapter of numbered) {
      expect(readme).toContain(`](${chapter})`)
      const title = readFileSync(`${REPO_ROOT}${LEARN_DIR}/${chapter}`, 'utf8')
      expect(title.split('\n')[0]).toMatch(
        new RegExp(`^# ${Number(chapter.slice(0, 2))}\\. `),
      )
    }
  })

  it.each(
    blocks
      .filter((b) => b.snippet)
      .map((b) => [`${b.chapter}:${b.line}`, b] as const),
  )('%s is its file, verbatim', (_where, block) => {
    expect(block.content).toBe(snippetSource(block.snippet!))
  })

  it('marks every code block with the file it comes from', () => {
    const unmarked = blocks
      .filter((b) => !FREE_FORM.has(b.lang) && !b.snippet)
      .map((b) => `${b.chapter}:${b.line} (${b.lang || 'no language'})`)
    expect(unmarked, 'add <!-- snippet: PATH --> above these blocks').toEqual(
      [],
    )
  })

  it('quotes every example file somewhere', () => {
    const walk = (dir: string): string[] =>
      readdirSync(`${REPO_ROOT}${dir}`, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`],
      )
    const quoted = new Set(blocks.map((b) => b.snippet?.path))
    const unquoted = walk('docs/learn/examples').filter((f) => !quoted.has(f))
    expect(unquoted).toEqual([])
  })

  it('links only to files that exist', () => {
    const broken = chapters.flatMap((chapter) => {
      const text = readFileSync(`${REPO_ROOT}${LEARN_DIR}/${chapter}`, 'utf8')
      return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((m) => m[1] ?? '')
        .filter((target) => !/^[a-z]+:/.test(target) && !target.startsWith('#'))
        .filter((target) => {
          const path = target.replace(/#.*$/, '')
          return !existsSync(`${REPO_ROOT}${LEARN_DIR}/${path}`)
        })
        .map((target) => `${chapter}: ${target}`)
    })
    expect(broken).toEqual([])
  })

  it('is linked from the first screen of the root README', () => {
    const firstScreen = readFileSync(`${REPO_ROOT}README.md`, 'utf8')
      .split('\n')
      .slice(0, 25)
    expect(firstScreen.join('\n')).toContain('](docs/learn/README.md)')
  })
})
