import { describe, expect, it } from 'vitest'
import {
  MAX_LOG_ENTRIES,
  emptyLog,
  logReducer,
  type LogAction,
} from './log-model.js'

const run = (...actions: LogAction[]) =>
  actions.reduce(logReducer, emptyLog).entries

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

  it(`keeps only the newest ${MAX_LOG_ENTRIES} entries`, () => {
    const actions: LogAction[] = Array.from(
      { length: MAX_LOG_ENTRIES + 5 },
      (_, i) => ({
        type: 'sent',
        text: `line ${i}`,
      }),
    )
    const entries = run(...actions)
    expect(entries).toHaveLength(MAX_LOG_ENTRIES)
    expect(entries[0]?.text).toBe('line 5')
  })
})
