import { readFile } from 'node:fs/promises'
import { RELAY_CLOSE_CODES } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { RELAY_ERROR_CODES } from './errors.js'

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
const rows = readme.split('\n').filter((line) => line.startsWith('|'))

describe('README', () => {
  it.each(RELAY_CLOSE_CODES.map((c) => [c.code, c.name]))(
    'lists close code %i %s',
    (code, name) => {
      expect(
        rows.some((row) =>
          new RegExp(`^\\|\\s*${code}\\s*\\|\\s*${name}\\s*\\|`).test(row),
        ),
      ).toBe(true)
    },
  )

  it.each(RELAY_ERROR_CODES)('lists error code %s', (code) => {
    expect(rows.some((row) => row.startsWith(`| \`${code}\``))).toBe(true)
  })
})
