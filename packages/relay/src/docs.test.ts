import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  blockPattern,
  DOC_TABLES,
  parseTable,
  renderTable,
} from './test-support/doc-tables.js'

/*
 * Every table in the docs that restates code is generated from it: a block
 * between `<!-- generated: NAME … -->` and `<!-- end: NAME -->`. This test
 * fails when a block differs from what the code says; `pnpm docs:tables`
 * (UPDATE_DOC_TABLES=1) rewrites the blocks, and Prettier pads them.
 */

const ROOT = new URL('../../../', import.meta.url)
const isUpdating = process.env.UPDATE_DOC_TABLES === '1'

describe('tables in the docs that restate code', () => {
  it.each(
    DOC_TABLES.map(([file, name, table]) => [file, name, table] as const),
  )('%s: the %s table is the code’s', (file, name, table) => {
    const url = new URL(file, ROOT)
    const text = readFileSync(url, 'utf8')
    const block = blockPattern(name).exec(text)
    expect(
      block,
      `${file} has no <!-- generated: ${name} --> … <!-- end: ${name} --> block`,
    ).not.toBeNull()
    const expected = table()
    if (isUpdating) {
      writeFileSync(
        url,
        text.replace(
          blockPattern(name),
          (_m, open: string, _body, close: string) =>
            `${open}\n${renderTable(expected)}\n${close}`,
        ),
      )
      return
    }
    expect(
      parseTable(block?.[2] ?? ''),
      `${file}'s ${name} table differs from the code: run pnpm docs:tables`,
    ).toEqual([expected.header, ...expected.rows])
  })
})

describe('the relay README’s map', () => {
  it('names only files and folders that exist', () => {
    const readme = readFileSync(
      new URL('packages/relay/README.md', ROOT),
      'utf8',
    )
    const named = [
      ...readme.matchAll(/`((?:src|apps|packages|docs)\/[\w./-]*[\w/])`/g),
    ].map((m) => m[1] ?? '')
    expect(named.length).toBeGreaterThan(10)
    for (const path of named) {
      const base = path.startsWith('src/') ? 'packages/relay/' : ''
      expect(existsSync(new URL(base + path, ROOT)), path).toBe(true)
    }
  })
})
