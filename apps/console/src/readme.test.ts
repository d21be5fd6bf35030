/// <reference types="node" />
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { RECONNECT, RTT_INTERVAL_MS } from './connection/use-relay.js'
import { MAX_LINE_CHARS, MAX_LOG_ENTRIES } from './log/log-model.js'
import { TAIL_ROWS } from './log/log-view.js'

const file = (path: string) =>
  readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8')
const README = file('../README.md').replace(/\s+/g, ' ')
const ROOT_README = file('../../../README.md').replace(/\s+/g, ' ')
const SPECS = readdirSync(
  fileURLToPath(new URL('../../../e2e/tests/', import.meta.url)),
)
  .filter((name) => name.endsWith('.spec.ts'))
  .map((name) => file(`../../../e2e/tests/${name}`).replace(/\s+/g, ' '))
  .join('\n')

describe("the console README's promises", () => {
  it('give the figures the code uses', () => {
    const n = (value: number) => value.toLocaleString('en')
    expect(README).toContain(`keeps the newest ${n(MAX_LOG_ENTRIES)} lines`)
    expect(README).toContain(`only the last ${TAIL_ROWS} are rendered`)
    expect(README).toContain(`cut every ${n(MAX_LINE_CHARS)} characters`)
    expect(README).toContain(
      `(${RECONNECT.initialDelayMs / 1000} s, doubling, at most ${RECONNECT.maxDelayMs / 1000} s, with jitter)`,
    )
    expect(README).toContain(`a v1 ping every ${RTT_INTERVAL_MS / 1000} s`)
  })

  it('name tests that exist, one for each promise in the table', () => {
    const named = [...README.matchAll(/e2e `([^`]+)`/g)].map((m) => m[1] ?? '')
    expect(named.length).toBeGreaterThanOrEqual(7)
    for (const title of named)
      expect(SPECS, title).toContain(title.replace(/\s+/g, ' '))
  })

  it('and the root README says what the status pill says', () => {
    expect(ROOT_README).toContain('The status pill always says what is true')
    for (const pill of [
      'Waiting for the relay',
      'Connected',
      'Target ended',
      'Session ended',
      'Reconnecting in 3 s',
    ])
      expect(ROOT_README).toContain(pill)
  })
})
