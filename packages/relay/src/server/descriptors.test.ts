import { EventEmitter } from 'node:events'
import type net from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  connectionsWithinFdLimit,
  fdLimitFor,
  fdsForRefusing,
} from '../settings/fd-limit.js'
import { createDescriptorGuard } from './descriptors.js'

describe('descriptors kept for refusing', () => {
  it('keeps a quarter of the limit (at most 1,024) and sizes the connection limit below it', () => {
    expect(fdsForRefusing(256)).toBe(64)
    expect(fdsForRefusing(1_000_000)).toBe(1024)
    expect(connectionsWithinFdLimit(10_000, 256)).toBe(63)
    expect(connectionsWithinFdLimit(10_000, 1024)).toBe(351)
    // The limit it suggests holds what was asked for.
    for (const max of [10, 500, 10_000, 50_000])
      expect(connectionsWithinFdLimit(max, fdLimitFor(max))).toBe(max)
  })

  it('turns tight when fewer than the reserve are left, counting sockets accepted since the last count', () => {
    let open = 100
    let now = 0
    const guard = createDescriptorGuard(
      256,
      () => open,
      () => now,
    )
    expect(guard.isTight()).toBe(false)
    const track = (n: number) =>
      Array.from({ length: n }, () => {
        const s = new EventEmitter()
        guard.track(s as unknown as net.Socket)
        return s
      })
    const first = track(80)
    open = 180
    expect(guard.isTight()).toBe(false) // 180 open, 76 left: more than 64
    // Within the same 50 ms the count is not read again: sockets accepted
    // since are added to it.
    const more = track(20)
    expect(guard.isTight()).toBe(true)
    for (const s of [...first, ...more]) s.emit('close')
    open = 100
    now = 100
    expect(guard.isTight()).toBe(false)
  })

  it('is never tight where the limit is unknown', () => {
    expect(createDescriptorGuard(undefined, () => 1e9).isTight()).toBe(false)
  })
})
