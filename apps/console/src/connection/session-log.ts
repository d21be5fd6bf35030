import type { RelayCloseEvent, RelayConnectedEvent } from '@wsrelay/client'
import type { LogAction } from '../log/log-model.js'
import { isNoRelay } from './relay-view.js'

/** The log line for a session that reached its target. */
export function connectedLine(
  connected: RelayConnectedEvent,
  isReconnect: boolean,
): LogAction {
  return {
    type: 'system',
    text:
      `Connected to ${connected.description}` +
      (isReconnect ? ' (a new session: the server sees a new connection)' : ''),
  }
}

/**
 * The log line for a close. A relay that has not answered yet is waited for
 * quietly (an event, not a failure: it may be starting); a normal close is
 * an event; anything else is a failure, with its code, meaning and hint.
 */
export function closeLine(close: RelayCloseEvent, url: string): LogAction {
  if (isNoRelay(close) && close.willReconnect)
    return {
      type: 'system',
      text: `No relay answers at ${url} yet: waiting for it to start, and retrying.`,
    }
  return {
    type: close.code === 1000 ? 'system' : 'error',
    text: close.willReconnect
      ? `${close.message} Reconnecting…`
      : close.message,
  }
}

/** The log line when the target sends FIN: expected after this side's end, a surprise before it. */
export function targetEndedLine(isEndRequested: boolean): LogAction {
  return isEndRequested
    ? {
        type: 'system',
        text: 'The target ended its side too (FIN): both sides are done.',
      }
    : {
        type: 'error',
        text: 'The target ended its side (FIN): it will send nothing more. This session is over; press Connect to start a new one.',
      }
}

/** The log line when the relay says it dropped datagrams: this session's totals. */
export function droppedLine(datagrams: number, bytes: number): LogAction {
  return {
    type: 'system',
    text: `The relay dropped ${datagrams.toLocaleString('en')} datagrams (${bytes.toLocaleString('en')} bytes) from the UDP server so far this session: this page did not read them in time.`,
  }
}

/** The log line when the user ends this side. */
export const END_SENT_LINE: LogAction = {
  type: 'system',
  text: 'Sent end: no more data from this side (FIN to the target).',
}
