import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_LINE_CHARS,
  MAX_LOG_ENTRIES,
  emptyLog,
  logAsText,
  logReducer,
  type LogAction,
  type LogState,
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

  it('shows each datagram as one line of its own, never joined, whatever it holds', () => {
    const entries = run(
      { type: 'received', text: 'an open stream line' },
      { type: 'datagram', text: 'hello from the server\n' },
      { type: 'datagram', text: 'no newline' },
      { type: 'datagram', text: 'one\ntwo\r\n' },
      { type: 'datagram', text: '' },
      { type: 'datagram', text: 'x'.repeat(MAX_LINE_CHARS + 1) },
    )
    expect(entries.map((e) => [e.text.slice(0, 24), e.isOpen])).toEqual([
      ['an open stream line', false],
      ['hello from the server', false],
      ['no newline', false],
      // A newline inside stays in the line (shown as an escape).
      ['one\ntwo', false],
      ['', false],
      ['x'.repeat(24), false],
      ['x', false],
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

  it('counts a failure repeated in a row on one line; data lines are never merged', () => {
    const failure = 'Closed 4000 TARGET_REFUSED: … Reconnecting…'
    const state = [
      { type: 'error', text: failure, at: AT },
      { type: 'error', text: failure, at: AT + 1000 },
      { type: 'error', text: failure, at: AT + 3000 },
      { type: 'received', text: 'ping\nping\n', at: AT + 4000 },
      { type: 'sent', text: 'x', at: AT + 5000 },
      { type: 'sent', text: 'x', at: AT + 5000 },
      { type: 'error', text: failure, at: AT + 6000 },
    ].reduce<LogState>(
      (log, action) => logReducer(log, action as LogAction),
      emptyLog,
    )
    expect(
      state.entries.map((e) => [e.kind, e.text, e.count, e.lastAt]),
    ).toEqual([
      ['error', failure, 3, AT + 3000],
      ['received', 'ping', undefined, undefined],
      ['received', 'ping', undefined, undefined],
      ['sent', 'x', undefined, undefined],
      ['sent', 'x', undefined, undefined],
      ['error', failure, undefined, undefined],
    ])
    expect(logAsText(state.entries.slice(0, 1))).toBe(
      `03:04:05.006 !!! ${failure} (×3, last 03:04:08.006)\n`,
    )
  })

  it('keeps the time each piece arrived, also inside one batch', () => {
    const state = logReducer(emptyLog, {
      type: 'batch',
      actions: [
        { type: 'received', text: 'a\nb', at: AT },
        { type: 'received', text: 'c\nd\n', at: AT + 40 },
      ],
    })
    expect(state.entries.map((e) => [e.text, e.at - AT])).toEqual([
      ['a', 0],
      ['bc', 0],
      ['d', 40],
    ])
  })

  it('of one piece holding 100,000 lines builds only the newest and counts the rest as dropped', () => {
    const text =
      'open' +
      Array.from({ length: 100_000 }, (_, i) => `-${i}\n`).join('') +
      'tail'
    const state = run(
      { type: 'received', text: 'x'.repeat(MAX_LINE_CHARS + 10) + '\n' },
      { type: 'received', text },
    )
    const entries = logReducer(emptyLog, { type: 'received', text })
    expect(entries.entries).toHaveLength(MAX_LOG_ENTRIES)
    expect(entries.entries.at(-1)).toMatchObject({ text: 'tail', isOpen: true })
    expect(entries.entries.at(-2)?.text).toBe('-99999')
    // Every line is counted once: kept or dropped.
    expect(entries.entries.length + entries.dropped).toBe(100_001)
    expect(state).toHaveLength(MAX_LOG_ENTRIES)
  })

  it('builds the same log from a batch as from its pieces one by one, however the lines are cut', () => {
    const piece = fc.oneof(
      fc
        .tuple(
          fc.nat(1500),
          fc.string({ maxLength: 6 }),
          fc.string({ maxLength: 6 }),
        )
        .map(([lines, head, tail]): LogAction => ({
          type: 'received',
          text: head + 'x\n'.repeat(lines) + tail,
        })),
      fc.constantFrom<LogAction>(
        { type: 'sent', text: 'sent' },
        { type: 'error', text: 'failed' },
      ),
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (actions) => {
        const batch = logReducer(emptyLog, { type: 'batch', actions })
        const slow = actions.reduce(logReducer, emptyLog)
        expect(batch.entries.map((e) => [e.kind, e.text, e.count])).toEqual(
          slow.entries.map((e) => [e.kind, e.text, e.count]),
        )
        expect(batch.dropped).toBe(slow.dropped)
      }),
      { numRuns: 40 },
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
