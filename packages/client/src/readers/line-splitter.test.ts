import { describe, expect, it } from 'vitest'
import { LineSplitter } from './line-splitter.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('LineSplitter', () => {
  it('splits LF and CRLF lines, and holds an unfinished line for the next chunk', () => {
    const lines = new LineSplitter()
    expect(lines.push(bytes('one\r\ntwo\nthr'))).toEqual(['one', 'two'])
    expect(lines.push(bytes('ee\n'))).toEqual(['three'])
  })

  it('joins a CRLF split between two chunks', () => {
    const lines = new LineSplitter()
    expect(lines.push(bytes('hello\r'))).toEqual([])
    expect(lines.push(bytes('\nworld\r\n'))).toEqual(['hello', 'world'])
  })

  it('decodes a UTF-8 character split across chunks whole, byte by byte', () => {
    const lines = new LineSplitter()
    const all = bytes('€uro 😀\r\nnext\n')
    const out: string[] = []
    for (const b of all) out.push(...lines.push(new Uint8Array([b])))
    expect(out).toEqual(['€uro 😀', 'next'])
  })

  it('gives the same lines however the stream is cut', () => {
    const text = 'a\r\nbé\n\nc😀d\r\n\r\nlast'
    const all = bytes(text)
    for (let cut = 0; cut <= all.length; cut++) {
      const lines = new LineSplitter()
      const out = [
        ...lines.push(all.slice(0, cut)),
        ...lines.push(all.slice(cut)),
        ...lines.flush(),
      ]
      expect([cut, out]).toEqual([cut, ['a', 'bé', '', 'c😀d', '', 'last']])
    }
  })

  it('flush() returns the last line without a line ending, then nothing', () => {
    const lines = new LineSplitter()
    lines.push(bytes('tail'))
    expect(lines.flush()).toEqual(['tail'])
    expect(lines.flush()).toEqual([])
  })

  it('throws CLIENT_LINE_TOO_LONG past maxLineLength, drops that line and goes on', () => {
    const lines = new LineSplitter({ maxLineLength: 8 })
    expect(lines.push(bytes('12345678\r\n'))).toEqual(['12345678'])
    expect(lines.push(bytes('12345'))).toEqual([])
    expect(() => lines.push(bytes('6789'))).toThrow(
      expect.objectContaining({
        code: 'CLIENT_LINE_TOO_LONG',
        message:
          'A line of 9 characters exceeds maxLineLength 8. ' +
          'Is the stream line-based? Raise maxLineLength or read it with BinaryReader.',
      }),
    )
    expect(lines.push(bytes('\nok\n'))).toEqual(['', 'ok'])
  })

  it('rejects a maxLineLength that cannot work', () => {
    expect(() => new LineSplitter({ maxLineLength: 0 })).toThrow(
      expect.objectContaining({ code: 'CLIENT_INVALID_OPTION' }),
    )
  })
})
