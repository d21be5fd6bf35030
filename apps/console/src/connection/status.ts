import {
  hadTarget,
  isEndRequested,
  isNoRelay,
  type RelayView,
} from './relay-view.js'

/** Colour of the status pill and its detail line. */
export type StatusTone = 'ok' | 'busy' | 'warn' | 'error' | 'idle'

/** What the status row says: the pill, one sentence under it, and whether Retry now helps. */
export interface StatusWords {
  readonly text: string
  /** What it means and what to do; empty when the pill says it all. */
  readonly detail: string
  readonly tone: StatusTone
  readonly canRetryNow: boolean
}

const words = (
  text: string,
  tone: StatusTone,
  detail = '',
  canRetryNow = false,
): StatusWords => ({ text, detail, tone, canRetryNow })

const seconds = (retryAt: number | undefined, now: number): number =>
  Math.max(1, Math.ceil(((retryAt ?? now) - now) / 1000))

/**
 * The status row: always what is true of the connection, read off the
 * client's states and its latest close. `now` drives the countdown.
 */
export function describeStatus(view: RelayView, now: number): StatusWords {
  const close = view.lastClose
  const url = view.url ?? 'the relay'
  switch (view.state) {
    case 'idle':
      return view.error
        ? words('Not connected', 'error', view.error)
        : words('Not connected', 'idle')
    case 'connecting':
      // Between two attempts to reach a relay that has not answered yet,
      // the pill does not flicker to "Connecting…".
      if (isNoRelay(close) && close?.willReconnect)
        return waitingForRelay(url, undefined, now)
      return words(
        close?.willReconnect ? 'Reconnecting…' : 'Connecting…',
        'busy',
      )
    case 'open':
      switch (view.targetState) {
        case 'none':
        case 'opening':
          return words('Connecting…', 'busy')
        case 'connected':
          return words(
            'Connected',
            'ok',
            view.connectedTo ? `Connected to ${view.connectedTo}.` : '',
          )
        case 'input-ended':
          return words(
            'Connected',
            'ok',
            'You ended your side (FIN sent): the server may still answer, and sending is off.',
          )
        case 'target-ended':
        case 'ended':
          return isEndRequested(view) ? sessionEnded() : targetEnded()
      }
      break
    case 'closing':
      return words('Closing…', 'busy')
    case 'waiting-to-reconnect': {
      if (view.isOffline)
        return words(
          'Offline: waiting for the network',
          'warn',
          'The browser is offline; the console reconnects when the network is back.',
        )
      if (isNoRelay(close)) return waitingForRelay(url, view.retryAt, now)
      const pill = `Reconnecting in ${seconds(view.retryAt, now)} s`
      if (!close) return words(pill, 'warn', '', true)
      if (hadTarget(close))
        return words(
          pill,
          'warn',
          `The session dropped (${close.name}, ${close.code}). Each reconnect is a new TCP connection: the server starts over.`,
          true,
        )
      return words(
        pill,
        'warn',
        `${close.name} (${close.code}): ${close.meaning} ${close.hint}`,
        true,
      )
    }
    case 'closed':
      break
  }
  if (view.error) return words('Not connected', 'error', view.error)
  if (!close) return words('Disconnected', 'idle')
  if (close.code === 1000) {
    if (close.targetState === 'ended')
      return isEndRequested(view) ? sessionEnded() : targetEnded()
    return words('Disconnected', 'idle')
  }
  if (isNoRelay(close))
    return words(
      `Closed: ${close.name} (${close.code})`,
      'error',
      `No relay answered at ${url}, or it refused the handshake. Is it running, and is the URL right? Press Connect to try again.`,
    )
  return words(
    `Closed: ${close.name} (${close.code})`,
    'error',
    `${close.meaning} ${close.hint}`,
  )
}

function waitingForRelay(
  url: string,
  retryAt: number | undefined,
  now: number,
): StatusWords {
  const next =
    retryAt === undefined
      ? 'trying now'
      : `trying again in ${seconds(retryAt, now)} s`
  return words(
    'Waiting for the relay',
    'busy',
    `Waiting for the relay at ${url} to start; ${next}.`,
    retryAt !== undefined,
  )
}

const targetEnded = (): StatusWords =>
  words(
    'Target ended',
    'warn',
    'The TCP server closed its side and will send nothing more. Press Connect to start a new session.',
  )

const sessionEnded = (): StatusWords =>
  words(
    'Session ended',
    'idle',
    'You ended your side, then the server ended its own: the session is complete. Press Connect to start a new one.',
  )
