import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { WebSocket } from 'ws'
import { Connection, type ConnectionContext } from './connection.js'
import { createSilentLogger } from '../observability/logger.js'

/** Just enough of a ws WebSocket for the timers: no sockets, fake time. */
class FakeWebSocket extends EventEmitter {
  readyState = 1 // OPEN
  protocol = 'wsrelay.v1'
  bufferedAmount = 0
  pings = 0
  isTerminated = false
  isPaused = false
  closedWith: [number, string] | undefined
  ping(): void {
    this.pings++
  }
  terminate(): void {
    this.isTerminated = true
    this.readyState = 3
    this.emit('close', 1006, Buffer.alloc(0))
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason]
  }
  send(): void {}
  pause(): void {
    this.isPaused = true
  }
  resume(): void {
    this.isPaused = false
  }
}

const settings = {
  connectTimeout: 1000,
  highWaterMark: 1024,
  drainTimeout: 1000,
  handshakeTimeout: 5000,
  idleTimeout: 0,
  pingInterval: 1000,
  pongTimeout: 500,
}

function start(overrides: Partial<typeof settings> = {}) {
  const ws = new FakeWebSocket()
  const closed = vi.fn()
  const context: ConnectionContext = {
    settings: { ...settings, ...overrides },
    chooseTarget: () => new Promise(() => undefined), // stays in 'choosing'
    onOpened: () => undefined,
    onClosed: closed,
    onRefused: () => undefined,
  }
  const connection = new Connection(
    ws as unknown as WebSocket,
    {
      id: 1,
      lease: { clientAddress: '127.0.0.1', release: () => undefined },
      path: '/',
      mode: 'v1',
      log: createSilentLogger(),
    },
    context,
  )
  return { ws, connection, closed }
}

describe('Connection timers (fake time)', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('pings every interval and keeps a browser that answers', () => {
    const { ws, connection } = start({ handshakeTimeout: 60_000 })
    vi.advanceTimersByTime(1000)
    expect(ws.pings).toBe(1)
    ws.emit('pong')
    vi.advanceTimersByTime(1000)
    expect(ws.pings).toBe(2)
    ws.emit('pong')
    vi.advanceTimersByTime(600)
    expect(ws.isTerminated).toBe(false)
    expect(connection.phase).toBe('choosing')
  })

  it('cuts a browser that misses the pong deadline, with 4101', () => {
    const { ws, connection, closed } = start({ handshakeTimeout: 60_000 })
    vi.advanceTimersByTime(1000 + 499)
    expect(ws.isTerminated).toBe(false)
    vi.advanceTimersByTime(1)
    expect(ws.isTerminated).toBe(true)
    expect(connection.closeCode).toBe(4101)
    expect(closed).toHaveBeenCalledTimes(1)
  })

  it('does not count a missing pong while the relay itself has stopped reading the browser', () => {
    const { ws, connection } = start({ handshakeTimeout: 60_000 })
    connection.pauseForBudget(true)
    expect(ws.isPaused).toBe(true)
    vi.advanceTimersByTime(1000 + 500 * 4)
    expect(ws.isTerminated).toBe(false)
    connection.pauseForBudget(false)
    vi.advanceTimersByTime(500)
    expect(ws.isTerminated).toBe(true)
  })

  it('closes a wsrelay.v1 client that sends no open within the handshake timeout, 1008', () => {
    const { ws } = start({ pingInterval: 0 })
    vi.advanceTimersByTime(4999)
    expect(ws.closedWith).toBeUndefined()
    vi.advanceTimersByTime(1)
    expect(ws.closedWith).toEqual([1008, 'No open message within 5000 ms.'])
  })
})
