import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_QUEUED_ACTIONS, createLogStore } from './log-store.js'

describe('the log store', () => {
  let frames: (() => void)[] = []
  beforeEach(() => {
    frames = []
    vi.stubGlobal('requestAnimationFrame', (run: () => void) =>
      frames.push(run),
    )
    vi.stubGlobal('cancelAnimationFrame', () => undefined)
  })
  afterEach(() => vi.unstubAllGlobals())
  const nextFrame = () => frames.splice(0).forEach((run) => run())

  it('applies what arrived once per frame, each line with the time it arrived', () => {
    const store = createLogStore()
    let renders = 0
    store.subscribe(() => renders++)
    store.push({ type: 'received', text: 'first\n', at: 1000 })
    store.push({ type: 'received', text: 'second\n', at: 1016 })
    store.countReceived(13)
    expect(renders).toBe(0)
    nextFrame()
    expect(renders).toBe(1)
    const { log, receivedBytes } = store.getSnapshot()
    expect(log.entries.map((e) => [e.text, e.at])).toEqual([
      ['first', 1000],
      ['second', 1016],
    ])
    expect(receivedBytes).toBe(13)
  })

  it(`applies at once past ${MAX_QUEUED_ACTIONS} queued actions (no frames in a background tab)`, () => {
    const store = createLogStore()
    for (let i = 0; i < MAX_QUEUED_ACTIONS; i++)
      store.push({ type: 'received', text: `${i}\n` })
    expect(store.getSnapshot().log.dropped).toBeGreaterThan(0)
  })

  it('clears the log and the counters at once', () => {
    const store = createLogStore()
    store.push({ type: 'sent', text: 'x' })
    store.countSent(2)
    store.countDropped(3)
    nextFrame()
    expect(store.getSnapshot().droppedDatagrams).toBe(3)
    store.countDropped(4)
    nextFrame()
    expect(store.getSnapshot().droppedDatagrams).toBe(7)
    store.clear()
    expect(store.getSnapshot()).toMatchObject({
      sentBytes: 0,
      receivedBytes: 0,
      droppedDatagrams: 0,
      log: { entries: [] },
    })
  })
})
