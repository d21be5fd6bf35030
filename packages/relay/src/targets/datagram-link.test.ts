import { lookup } from 'node:dns'
import { describe, expect, it, vi } from 'vitest'
import { openDatagramLink } from './datagram-link.js'
import type { TargetEvents } from './target-link.js'

/** Mocks for every event, typed as mocks (the link gets them as `TargetEvents`). */
const events = () => ({
  onTargetConnect: vi.fn(),
  onTargetData: vi.fn(() => false),
  onTargetEnd: vi.fn(),
  onTargetFinish: vi.fn(),
  onTargetClose: vi.fn(),
  onTargetError: vi.fn(),
})
const asEvents = (heard: ReturnType<typeof events>): TargetEvents => heard

describe('the datagram link before its socket exists', () => {
  it('holds writes while the name resolves, counts them, and runs their callbacks when cut', async () => {
    const heard = events()
    // A name: the link looks it up first, so no socket exists yet.
    const link = openDatagramLink(
      {
        host: 'localhost',
        port: 9,
        transport: 'udp',
        connectTo: 'localhost',
        isClientChosen: false,
      },
      lookup,
      asEvents(heard),
      { maxDatagramSize: 1200 },
    )
    const written = vi.fn()
    link.write(Buffer.alloc(100), written)
    link.write(Buffer.alloc(50), written)
    expect(link.pendingBytes).toBe(150)
    expect(link.isWritable).toBe(true)
    expect(link.remoteAddress).toBeUndefined()
    link.destroy()
    // A reader paused on a queued write must not wait for it forever.
    expect(written).toHaveBeenCalledTimes(2)
    expect(link.pendingBytes).toBe(0)
    expect(link.isWritable).toBe(false)
    await vi.waitFor(() => expect(heard.onTargetClose).toHaveBeenCalledTimes(1))
    expect(link.isFinished).toBe(true)
    // The lookup's answer, when it comes, opens nothing.
    expect(heard.onTargetConnect).not.toHaveBeenCalled()
    expect(heard.onTargetError).not.toHaveBeenCalled()
  })

  it('has no FIN to send: end() only stops writes, and pause does nothing to lose', () => {
    const heard = events()
    const link = openDatagramLink(
      {
        host: 'localhost',
        port: 9,
        transport: 'udp',
        connectTo: 'localhost',
        isClientChosen: false,
      },
      lookup,
      asEvents(heard),
      { maxDatagramSize: 1200 },
    )
    link.end()
    expect(link.isWritable).toBe(false)
    link.write(Buffer.alloc(10))
    expect(link.pendingBytes).toBe(0)
    link.pause()
    link.resume()
    expect(heard.onTargetEnd).not.toHaveBeenCalled()
    link.destroy()
  })
})
