import { describeClose, type RelayCloseEvent } from '@wsrelay/client'
import { describe, expect, it } from 'vitest'
import { NO_CONNECTION, type RelayView } from './relay-view.js'
import { closeLine, targetEndedLine } from './session-log.js'
import { describeStatus } from './status.js'

const URL = 'ws://127.0.0.1:5173/relay'
const NOW = 1_000_000

const close = (
  code: number,
  more: Partial<RelayCloseEvent> = {},
  reason = '',
): RelayCloseEvent => ({
  ...describeClose(code, reason),
  wasClean: code !== 1006,
  session: 1,
  willReconnect: false,
  wasOpen: true,
  targetState: 'opening',
  ...more,
})
const view = (more: Partial<RelayView>): RelayView => ({
  ...NO_CONNECTION,
  url: URL,
  ...more,
})
const status = (more: Partial<RelayView>) => describeStatus(view(more), NOW)

/** The relay is not up yet: every attempt ends 1006 before the WebSocket opens. */
const NO_RELAY = close(1006, { wasOpen: false, willReconnect: true })
/** The relay is up but the TCP server is not. */
const REFUSED = close(
  4000,
  { willReconnect: true },
  'Cannot reach TCP target 127.0.0.1:5000 (ECONNREFUSED).',
)

describe('the status row', () => {
  it('while the relay has not started: waiting for it, quietly, never "the session dropped"', () => {
    const waiting = status({
      state: 'waiting-to-reconnect',
      lastClose: NO_RELAY,
      retryAt: NOW + 2500,
    })
    expect(waiting).toEqual({
      text: 'Waiting for the relay',
      tone: 'busy',
      detail: `Waiting for the relay at ${URL} to start; trying again in 3 s.`,
      canRetryNow: true,
    })
    // The next attempt does not flicker to "Connecting…".
    expect(status({ state: 'connecting', lastClose: NO_RELAY }).text).toBe(
      'Waiting for the relay',
    )
    expect(closeLine(NO_RELAY, URL)).toEqual({
      type: 'system',
      text: `No relay answers at ${URL} yet: waiting for it to start, and retrying.`,
    })
  })

  it('a session that was connected and dropped says so, with its code', () => {
    const dropped = close(1006, {
      wasOpen: true,
      willReconnect: true,
      targetState: 'connected',
    })
    expect(
      status({
        state: 'waiting-to-reconnect',
        lastClose: dropped,
        retryAt: NOW + 1000,
      }),
    ).toEqual({
      text: 'Reconnecting in 1 s',
      tone: 'warn',
      detail:
        'The session dropped (ABNORMAL_CLOSURE, 1006). Each reconnect is a new TCP connection: the server starts over.',
      canRetryNow: true,
    })
    expect(closeLine(dropped, URL).type).toBe('error')
  })

  it('a target that refuses: the code and meaning while retrying, and still after Auto-reconnect is turned off', () => {
    const retrying = status({
      state: 'waiting-to-reconnect',
      lastClose: REFUSED,
      retryAt: NOW + 4000,
    })
    expect(retrying.text).toBe('Reconnecting in 4 s')
    expect(retrying.detail).toBe(
      'TARGET_REFUSED (4000): The TCP server refused the connection. Is the TCP server running and listening on that host and port?',
    )
    // Unticking Auto-reconnect moves the client to closed without a new close event.
    expect(status({ state: 'closed', lastClose: REFUSED })).toEqual({
      text: 'Closed: TARGET_REFUSED (4000)',
      tone: 'error',
      detail:
        'The TCP server refused the connection. Is the TCP server running and listening on that host and port?',
      canRetryNow: false,
    })
  })

  it('connected names what it reached; a closed page with no session says Not connected', () => {
    expect(
      status({
        state: 'open',
        targetState: 'connected',
        connectedTo: `the default target of ${URL}`,
      }),
    ).toMatchObject({
      text: 'Connected',
      tone: 'ok',
      detail: `Connected to the default target of ${URL}.`,
    })
    expect(status({ state: 'idle' })).toMatchObject({
      text: 'Not connected',
      detail: '',
    })
    expect(
      status({ state: 'idle', error: 'Invalid relay URL "ws://a b": …' }),
    ).toMatchObject({ text: 'Not connected', tone: 'error' })
  })

  it('an end the user asked for is neutral; a target that ends by itself is a warning', () => {
    const requested = {
      state: 'open' as const,
      targetState: 'ended' as const,
      lastTargetMove: {
        from: 'input-ended' as const,
        to: 'ended' as const,
        session: 1,
      },
    }
    expect(status({ state: 'open', targetState: 'input-ended' })).toMatchObject(
      {
        text: 'Connected',
        tone: 'ok',
        detail:
          'You ended your side (FIN sent): the server may still answer, and sending is off.',
      },
    )
    expect(status(requested)).toMatchObject({
      text: 'Session ended',
      tone: 'idle',
    })
    expect(
      status({
        ...requested,
        state: 'closed',
        lastClose: close(1000, { targetState: 'ended' }, 'Both sides ended.'),
      }),
    ).toMatchObject({ text: 'Session ended', tone: 'idle' })
    expect(targetEndedLine(true).type).toBe('system')

    const byTarget = {
      state: 'closed' as const,
      targetState: 'ended' as const,
      lastTargetMove: {
        from: 'target-ended' as const,
        to: 'ended' as const,
        session: 1,
      },
      lastClose: close(1000, { targetState: 'ended' }, 'Both sides ended.'),
    }
    expect(status(byTarget)).toMatchObject({
      text: 'Target ended',
      tone: 'warn',
    })
    expect(targetEndedLine(false).type).toBe('error')
  })

  it('says Disconnected after a normal close, and Closed with the code after any other', () => {
    expect(status({ state: 'closed', lastClose: close(1000) }).text).toBe(
      'Disconnected',
    )
    expect(status({ state: 'closed', lastClose: close(4102) })).toMatchObject({
      text: 'Closed: TARGET_NOT_ALLOWED (4102)',
      tone: 'error',
    })
    expect(
      status({ state: 'closed', lastClose: close(1006, { wasOpen: false }) })
        .detail,
    ).toBe(
      `No relay answered at ${URL}, or it refused the handshake. Is it running, and is the URL right? Press Connect to try again.`,
    )
  })

  it('offline: waiting for the network, no countdown', () => {
    expect(
      status({
        state: 'waiting-to-reconnect',
        isOffline: true,
        lastClose: NO_RELAY,
      }),
    ).toMatchObject({
      text: 'Offline: waiting for the network',
      canRetryNow: false,
    })
  })
})
