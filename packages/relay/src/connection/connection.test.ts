import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TargetChoice } from '../targets/target-selection.js'
import type { ClientEvents, ClientLink } from '../websocket/client-link.js'
import {
  CONNECTION_STATES,
  illegalMove,
  isLegalMove,
  type ConnectionState,
} from './connection-states.js'
import { Connection, type ConnectionContext } from './connection.js'
import { ConnectionLog } from '../observability/connection-log.js'
import { createSilentLogger } from '../observability/logger.js'

/** Just enough of a client link for the timers: no sockets, fake time; the test plays the browser through `events`. */
class FakeClientLink implements ClientLink {
  isOpen = true
  bufferedAmount = 0
  heldBytes = 0
  readableBytes = 0
  pings = 0
  isTerminated = false
  isPaused = false
  closedWith: [number | undefined, string | undefined] | undefined
  constructor(readonly events: ClientEvents) {}
  ping(): void {
    this.pings++
  }
  terminate(): void {
    this.isTerminated = true
    this.isOpen = false
    this.events.onClientClose(1006, '')
  }
  close(code: number | undefined, reason?: string): void {
    this.isOpen = false
    this.closedWith = [code, reason]
  }
  send(): boolean {
    return false
  }
  sendText(): void {}
  pong(): void {}
  pause(): void {
    this.isPaused = true
  }
  stopReading(): void {
    this.isPaused = true
  }
  streamBinary(): void {}
  resume(): void {
    this.isPaused = false
  }
}

const settings = {
  connectTimeout: 1000,
  highWaterMark: 1024,
  maxMessageSize: 65536,
  drainTimeout: 1000,
  handshakeTimeout: 5000,
  idleTimeout: 0,
  stallTimeout: 0,
  pingInterval: 1000,
  pongTimeout: 500,
  udpIdleTimeout: 30_000,
  maxDatagramSize: 65_527,
}

function start(
  overrides: Partial<typeof settings> = {},
  chooseTarget: ConnectionContext['chooseTarget'] = () =>
    new Promise(() => undefined), // stays in 'resolving'
  mode: 'raw' | 'v1' = 'v1',
) {
  let ws: FakeClientLink | undefined
  const closed = vi.fn()
  const context: ConnectionContext = {
    settings: { ...settings, ...overrides },
    chooseTarget,
    redact: (text) => text,
    onTargetUnreachable: () => undefined,
    targetLookup: () => {
      throw new Error('no lookup in unit tests')
    },
    onOpened: () => undefined,
    onClosed: closed,
    onRefused: () => undefined,
    admitRead: () => undefined,
    refusedGraceMs: () => 1000,
  }
  const connection = new Connection(
    (events) => (ws = new FakeClientLink(events)),
    {
      id: 1,
      lease: { clientAddress: '127.0.0.1', release: () => undefined },
      path: '/',
      mode,
      protocol: mode === 'v1' ? 'wsrelay.v1' : '',
      log: new ConnectionLog(createSilentLogger(), 1, '127.0.0.1'),
    },
    context,
  )
  if (!ws) throw new Error('the connection opened no client link')
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
    ws.events.onClientPong()
    vi.advanceTimersByTime(1000)
    expect(ws.pings).toBe(2)
    ws.events.onClientPong()
    vi.advanceTimersByTime(600)
    expect(ws.isTerminated).toBe(false)
    expect(connection.currentState).toBe('awaitingOpen')
  })

  it('cuts a browser that misses the pong deadline, with 4101', () => {
    const { ws, connection, closed } = start({ handshakeTimeout: 60_000 })
    vi.advanceTimersByTime(1000 + 499)
    expect(ws.isTerminated).toBe(false)
    vi.advanceTimersByTime(1)
    expect(ws.isTerminated).toBe(true)
    expect(connection.currentState).toBe('closed')
    expect(closed).toHaveBeenCalledTimes(1)
    expect(closed.mock.calls[0]?.[1]).toMatchObject({
      code: 4101,
      reason: 'No pong within 500 ms.',
      by: 'relay',
    })
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

  it('runs no pong timer while reads are paused, and gives the pong a fresh deadline once they resume', () => {
    const { ws, connection } = start({ handshakeTimeout: 600_000 })
    const base = vi.getTimerCount() // the ping interval and the open deadline
    vi.advanceTimersByTime(1000) // ping sent, pong deadline armed
    expect(vi.getTimerCount()).toBe(base + 1)
    connection.pauseForBudget(true)
    vi.advanceTimersByTime(500) // the deadline passes while paused
    // The deadline did not re-arm itself, nor does any new ping go out.
    expect(vi.getTimerCount()).toBe(base)
    vi.advanceTimersByTime(60_000)
    expect(ws.pings).toBe(1)
    expect(vi.getTimerCount()).toBe(base)
    connection.pauseForBudget(false)
    expect(vi.getTimerCount()).toBe(base + 1)
    vi.advanceTimersByTime(499)
    expect(ws.isTerminated).toBe(false)
    vi.advanceTimersByTime(1)
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

describe('Connection states', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('waits for open, resolves, and is refused: closing, then flushing on the reply, then closed once', async () => {
    let answer: (choice: TargetChoice) => void = () => undefined
    const { ws, connection, closed } = start(
      {},
      () => new Promise((resolve) => (answer = resolve)),
    )
    expect(connection.currentState).toBe('awaitingOpen')
    ws.events.onClientText(Buffer.from('{"type":"open","route":"nope"}'))
    expect(connection.currentState).toBe('resolving')
    answer({ ok: false, refusal: 'targetNotAllowed', reason: 'No route.' })
    await vi.advanceTimersByTimeAsync(0)
    expect(connection.currentState).toBe('closing')
    expect(ws.closedWith).toEqual([4102, 'No route.'])
    ws.events.onClientClose(4102, 'No route.')
    expect(connection.currentState).toBe('closed')
    expect(closed).toHaveBeenCalledTimes(1)
    expect(closed.mock.calls[0]?.slice(1)).toEqual([
      {
        code: 4102,
        reason: 'No route.',
        by: 'relay',
        errorCode: 'RELAY_TARGET_NOT_ALLOWED',
        refused: 'target',
        isRejection: true,
      },
      undefined,
    ])
  })

  it('cuts a refused browser that does not read its close within 1 s', () => {
    const { ws, connection } = start(
      {},
      () => ({
        ok: false,
        refusal: 'pathInvalid',
        reason: 'The URL path has a malformed percent escape.',
      }),
      'raw',
    )
    expect(connection.currentState).toBe('closing')
    expect(ws.closedWith?.[0]).toBe(1008)
    vi.advanceTimersByTime(999)
    expect(ws.isTerminated).toBe(false)
    vi.advanceTimersByTime(1)
    expect(ws.isTerminated).toBe(true)
    expect(connection.currentState).toBe('closed')
  })

  it('goes straight to flushing when the browser leaves first, and answers nothing after', () => {
    const { ws, connection, closed } = start()
    ws.events.onClientClose(1001, 'gone')
    expect(connection.currentState).toBe('closed')
    expect(closed.mock.calls[0]?.[1]).toEqual({
      code: 1001,
      reason: 'gone',
      by: 'client',
    })
    connection.shutdown('Relay shutting down.')
    expect(ws.closedWith).toBeUndefined()
  })

  it("records the link's 1002 for a bad frame as the relay's close, even when the browser never answers it", () => {
    const { ws, closed } = start()
    ws.events.onClientViolation({
      code: 1002,
      reason: 'Client frames must be masked (RFC 6455 5.1).',
      errorCode: 'WS_ERR_EXPECTED_MASK',
    })
    // The socket is cut; the link reports the code it sent.
    ws.events.onClientClose(
      1002,
      'Client frames must be masked (RFC 6455 5.1).',
    )
    expect(closed.mock.calls[0]?.[1]).toEqual({
      code: 1002,
      reason: 'Client frames must be masked (RFC 6455 5.1).',
      by: 'relay',
    })
  })

  it('takes nothing more from a browser that broke a rule', () => {
    const { ws, connection } = start()
    ws.events.onClientBinary(Buffer.from([1, 2, 3]))
    expect(ws.closedWith).toEqual([1008, 'Data before open.'])
    ws.events.onClientText(Buffer.from('{"type":"open"}'))
    expect(connection.currentState).toBe('closing')
  })
})

describe('the state table', () => {
  const states = Object.keys(CONNECTION_STATES) as ConnectionState[]

  it('names only its own states, reaches every state from accepted, and ends in closed', () => {
    const seen = new Set<ConnectionState>(['accepted'])
    for (let grew = true; grew;) {
      grew = false
      for (const from of [...seen])
        for (const to of CONNECTION_STATES[from].moves) {
          expect(states).toContain(to)
          if (!seen.has(to)) grew = seen.add(to).size > 0
        }
    }
    expect([...seen].sort()).toEqual([...states].sort())
    expect(CONNECTION_STATES.closed.moves).toEqual([])
    for (const state of states)
      if (state !== 'closed')
        expect(
          isLegalMove(state, 'closing') ||
            isLegalMove(state, 'closed') ||
            isLegalMove(state, 'flushing'),
        ).toBe(true)
  })

  it('refuses a move the table does not allow: loudly under test, logged otherwise', () => {
    expect(isLegalMove('open', 'awaitingOpen')).toBe(false)
    expect(() =>
      illegalMove(7, 'open', 'awaitingOpen', () => undefined),
    ).toThrow(
      'Connection 7: no move from open to awaitingOpen (connection/connection-states.ts).',
    )
    vi.stubEnv('NODE_ENV', 'production')
    try {
      const logged = vi.fn()
      illegalMove(7, 'closed', 'open', logged)
      expect(logged).toHaveBeenCalledWith(
        'Connection 7: no move from closed to open (connection/connection-states.ts).',
      )
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
