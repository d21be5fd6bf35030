import { describe, expect, it } from 'vitest'
import { MAX_LINE_BYTES, createLineEcho } from './line-echo.js'

const text = (buffers: Buffer[]) => buffers.map((b) => b.toString('utf8'))

describe('createLineEcho', () => {
  it('answers each complete line with the suffix, keeping its line ending', () => {
    const echo = createLineEcho(' from the server')
    expect(text(echo(Buffer.from('hello\nwin\r\n')))).toEqual([
      'hello from the server\n',
      'win from the server\r\n',
    ])
  })

  it('waits for the rest of a line, even mid-character', () => {
    const echo = createLineEcho('!')
    const bytes = Buffer.from('日本\n')
    expect(echo(bytes.subarray(0, 4))).toEqual([])
    expect(text(echo(bytes.subarray(4)))).toEqual(['日本!\n'])
  })

  it('answers an over-long line as it stands instead of buffering forever', () => {
    const echo = createLineEcho('!')
    const replies = echo(Buffer.alloc(MAX_LINE_BYTES, 0x61))
    expect(replies).toHaveLength(1)
    expect(replies[0]?.length).toBe(MAX_LINE_BYTES + 1)
    expect(text(echo(Buffer.from('b\n')))).toEqual(['b!\n'])
  })
})
