import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ClientLink } from '../websocket/client-link.js'
import type { ConnectionStats } from '../observability/registry.js'
import { DatagramPump, DROP_NOTICE_INTERVAL_MS } from './datagram-pump.js'
import { Valve } from './pauses.js'

/** The browser's side as the pump sees it: open, and what it holds unsent. */
class FakeBrowser {
  isOpen = true
  bufferedAmount = 0
  readonly sent: Buffer[] = []
  send(data: Buffer): boolean {
    this.sent.push(data)
    this.bufferedAmount += data.length
    return true
  }
}

const stats = (): ConnectionStats => ({
  bytesToTarget: 0,
  bytesToClient: 0,
  peakPendingToClient: 0,
  peakPendingToTarget: 0,
  targetPauses: 0,
  clientPauses: 0,
  datagramsDropped: 0,
  bytesDropped: 0,
})

function start(highWaterMark = 1000) {
  const ws = new FakeBrowser()
  const counted = stats()
  const reading = new Valve(
    () => undefined,
    () => undefined,
  )
  const notices: { datagrams: number; bytes: number }[] = []
  const traffic = vi.fn()
  const pump = new DatagramPump(
    ws as unknown as ClientLink,
    highWaterMark,
    counted,
    reading,
    traffic,
    (totals) => notices.push(totals),
  )
  return { ws, counted, reading, notices, traffic, pump }
}

describe('DatagramPump', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends each datagram as one message while the browser holds less than the mark, and drops the one that would cross it', () => {
    const { ws, counted, pump, traffic } = start(1000)
    pump.fromTarget(Buffer.alloc(600))
    pump.fromTarget(Buffer.alloc(400)) // 1,000: not over the mark
    pump.fromTarget(Buffer.alloc(1)) // 1,001: over
    expect(ws.sent.map((b) => b.length)).toEqual([600, 400])
    expect(counted).toMatchObject({
      bytesToClient: 1000,
      peakPendingToClient: 1000,
      datagramsDropped: 1,
      bytesDropped: 1,
    })
    // A drop is still traffic from the target: the session is not idle.
    expect(traffic).toHaveBeenCalledTimes(3)
    ws.bufferedAmount = 0 // the browser read it all
    pump.fromTarget(Buffer.alloc(10))
    expect(ws.sent).toHaveLength(3)
  })

  it('drops everything while the relay is not reading the target (memory budget, drain)', () => {
    const { ws, counted, reading, pump } = start()
    reading.pause('budget')
    pump.fromTarget(Buffer.alloc(10))
    reading.resume('budget')
    pump.fromTarget(Buffer.alloc(10))
    expect(ws.sent).toHaveLength(1)
    expect(counted.datagramsDropped).toBe(1)
  })

  it('tells the page the running totals at most once a second, and nothing after stop', () => {
    const { ws, notices, pump } = start(0)
    for (let i = 0; i < 5; i++) pump.fromTarget(Buffer.alloc(8))
    vi.advanceTimersByTime(0)
    expect(notices).toEqual([{ datagrams: 5, bytes: 40 }])
    for (let i = 0; i < 100; i++) {
      pump.fromTarget(Buffer.alloc(8))
      vi.advanceTimersByTime(DROP_NOTICE_INTERVAL_MS / 100)
    }
    // 100 more drops over one interval: one more notice, with the totals.
    expect(notices).toEqual([
      { datagrams: 5, bytes: 40 },
      { datagrams: 105, bytes: 840 },
    ])
    pump.fromTarget(Buffer.alloc(8))
    pump.stop()
    vi.advanceTimersByTime(10 * DROP_NOTICE_INTERVAL_MS)
    expect(notices).toHaveLength(2)
    expect(ws.sent).toHaveLength(0)
  })
})
