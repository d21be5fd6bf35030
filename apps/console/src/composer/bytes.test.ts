import { describe, expect, it } from 'vitest'
import { formatBytes, pastedLines } from './bytes.js'

describe('formatBytes', () => {
  it('counts in B, then KiB and MiB with one decimal below 10', () => {
    expect(
      [0, 1023, 1536, 20 * 1024, 5 * 1024 * 1024].map(formatBytes),
    ).toEqual(['0 B', '1023 B', '1.5 KiB', '20 KiB', '5.0 MiB'])
  })
})

describe('pastedLines', () => {
  it('splits LF, CRLF and CR, and drops only a trailing empty line', () => {
    expect(pastedLines('one\r\ntwo\nthree\rfour\n')).toEqual([
      'one',
      'two',
      'three',
      'four',
    ])
    expect(pastedLines('a\n\nb')).toEqual(['a', '', 'b'])
  })
})
