import { isErrorClose, type ConsoleStatus } from './use-relay.js'

/** The status pill's words; `now` drives the reconnect countdown. */
export function statusText(status: ConsoleStatus, now: number): string {
  switch (status.kind) {
    case 'idle':
      return 'Disconnected'
    case 'connecting':
      return status.isReconnect ? 'Reconnecting…' : 'Connecting…'
    case 'connected':
      return 'Connected'
    case 'target-ended':
      return 'Target ended'
    case 'reconnecting':
      if (status.isOffline || status.retryAt === undefined)
        return 'Offline: waiting for the network'
      return `Reconnecting in ${Math.max(1, Math.ceil((status.retryAt - now) / 1000))} s`
    case 'closing':
      return 'Closing…'
    case 'closed':
      return status.close && isErrorClose(status.close)
        ? `Closed: ${status.close.name} (${status.close.code})`
        : 'Disconnected'
  }
}

/** One sentence under the status: what it means and what to do. */
export function statusDetail(status: ConsoleStatus): string {
  switch (status.kind) {
    case 'target-ended':
      return 'The TCP server closed its side and will send nothing more. Press Connect to start a new session.'
    case 'reconnecting':
      return 'The session dropped. Each reconnect is a new TCP connection: the server starts over.'
    case 'closed':
      return status.close && isErrorClose(status.close)
        ? `${status.close.meaning} ${status.close.hint}`
        : ''
    case 'idle':
    case 'connecting':
    case 'connected':
    case 'closing':
      return ''
  }
}

/** CSS class of the status pill: ok, busy, warn or error. */
export function statusTone(status: ConsoleStatus): string {
  switch (status.kind) {
    case 'connected':
      return 'ok'
    case 'connecting':
    case 'closing':
      return 'busy'
    case 'target-ended':
    case 'reconnecting':
      return 'warn'
    case 'closed':
      return status.close && isErrorClose(status.close) ? 'error' : 'idle'
    case 'idle':
      return 'idle'
  }
}
