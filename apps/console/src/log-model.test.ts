import { describe, expect, it } from 'vitest'
import {
  MAX_LINE_CHARS,
  MAX_LOG_ENTRIES,
  emptyLog,
  logAsText,
  logReducer,
  type LogAction,
} from './log-model.js'

const run = (...actions: LogAction[]) =>
  actions.reduce(logReducer, emptyLog).entries
const AT = new Date(2026, 0, 2, 3, 4, 5, 6).getTime()

describe('logReducer', () => {
  it('shows each received line once it is complete', () => {
    const entries = run({
      type: 'received',
      text: 'hello from the server\nsecond\n',
    })
    expect(entries.map((e) => [e.kind, e.text, e.isOpen])).toEqual([
      ['received', 'hello from the server', false],
      ['received', 'second', false],
    ])
  })

  it('joins a line that arrives in pieces and drops the CR of CRLF', () => {
    const entries = run(
      { type: 'received', text: 'hel' },
      { type: 'received', text: 'lo\r\nwor' },
      { type: 'received', text: 'ld' },
    )
    expect(entries.map((e) => [e.text, e.isOpen])).toEqual([
      ['hello', false],
      ['world', true],
    ])
  })

  it('keeps sent and system lines separate from received ones', () => {
    const entries = run(
      { type: 'system', text: 'Connected' },
      { type: 'sent', text: 'hello' },
      { type: 'received', text: 'hello\n' },
    )
    expect(entries.map((e) => e.kind)).toEqual(['system', 'sent', 'received'])
  })

  it(`keeps only the newest ${MAX_LOG_ENTRIES} entries and counts the dropped ones`, () => {
    const actions: LogAction[] = Array.from(
      { length: MAX_LOG_ENTRIES + 5 },
      (_, i) => ({
        type: 'sent',
        text: `line ${i}`,
      }),
    )
    const state = logReducer(emptyLog, { type: 'batch', actions })
    expect(state.entries).toHaveLength(MAX_LOG_ENTRIES)
    expect(state.entries[0]?.text).toBe('line 5')
    expect(state.dropped).toBe(5)
    expect(logReducer(state, { type: 'clear' })).toMatchObject({
      entries: [],
      dropped: 0,
    })
  })

  it('applies 30,000 received lines in one batch quickly', () => {
    const actions: LogAction[] = Array.from({ length: 30_000 }, (_, i) => ({
      type: 'received',
      text: `line ${i}\n`,
    }))
    const started = performance.now()
    const state = logReducer(emptyLog, { type: 'batch', actions })
    expect(performance.now() - started).toBeLessThan(1500)
    expect(state.entries.at(-1)?.text).toBe('line 29999')
    expect(state.dropped).toBe(30_000 - MAX_LOG_ENTRIES)
  })

  it('cuts a line without newlines into entries of MAX_LINE_CHARS', () => {
    const entries = run(
      { type: 'received', text: 'x'.repeat(MAX_LINE_CHARS - 1) },
      { type: 'received', text: 'yy\nz' },
    )
    expect(entries.map((e) => [e.text.length, e.isOpen])).toEqual([
      [MAX_LINE_CHARS, false],
      [1, false],
      [1, true],
    ])
  })

  it('shows a very long sent line cut, saying how much more was sent', () => {
    const [entry] = run({
      type: 'sent',
      text: 'a'.repeat(MAX_LINE_CHARS + 1234),
    })
    expect(entry?.text).toBe(
      `${'a'.repeat(MAX_LINE_CHARS)}… (1,234 more characters)`,
    )
  })

  it('writes the log as text with times and markers', () => {
    const entries = run(
      { type: 'sent', text: 'hi', at: AT },
      { type: 'received', text: 'hi back\n', at: AT },
      { type: 'error', text: 'Closed 4004', at: AT },
    )
    expect(logAsText(entries)).toBe(
      '03:04:05.006 >>> hi\n03:04:05.006 <<< hi back\n03:04:05.006 !!! Closed 4004\n',
    )
  })
})
