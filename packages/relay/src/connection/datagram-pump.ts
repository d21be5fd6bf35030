import type { ConnectionStats } from '../observability/registry.js'
import type { ClientLink } from '../websocket/client-link.js'
import type { Valve } from './pauses.js'

/** At most one `dropped` notice a second: a page that cannot keep up must not get a second flood. */
export const DROP_NOTICE_INTERVAL_MS = 1000

/** What the pump tells the page about drops: this session's running totals. */
export interface DropTotals {
  readonly datagrams: number
  readonly bytes: number
}

/**
 * Target → browser for a UDP session. UDP has no backpressure, and a
 * datagram socket cannot stop reading, so nothing is queued past the
 * high-water mark: each datagram becomes one binary message while the
 * browser's WebSocket holds less than the mark, and is dropped (and
 * counted) when it would cross it, or while the relay is not reading the
 * target (memory budget, shutdown). The browser → target direction is the
 * stream's own pump: the WebSocket is TCP and can be paused.
 */
export class DatagramPump {
  private noticeTimer: NodeJS.Timeout | undefined
  private lastNoticeAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly browser: ClientLink,
    private readonly highWaterMark: number,
    /** The connection's counters: bytes relayed, drops. */
    private readonly stats: ConnectionStats,
    /** Reading the target: while it is paused, what arrives is dropped. */
    private readonly reading: Valve,
    /** A datagram arrived (the idle watch listens). */
    private readonly onTraffic: () => void,
    /** Tells the page the totals (wsrelay.v1: a `notice`); undefined for raw sessions, which have no control channel. */
    private readonly notify: ((totals: DropTotals) => void) | undefined,
  ) {}

  /** One datagram from the target: one binary message, or a drop. True when it is still queued for the browser. */
  fromTarget(datagram: Buffer): boolean {
    const browser = this.browser
    if (!browser.isOpen) return false // browser gone or closing: discard
    this.onTraffic()
    const pending = browser.bufferedAmount + datagram.length
    if (this.reading.isPaused || pending > this.highWaterMark) {
      this.drop(datagram.length)
      return false
    }
    this.stats.bytesToClient += datagram.length
    if (pending > this.stats.peakPendingToClient)
      this.stats.peakPendingToClient = pending
    return browser.send(datagram)
  }

  /** The session is ending: no notice after this. */
  stop(): void {
    clearTimeout(this.noticeTimer)
    this.noticeTimer = undefined
  }

  private drop(bytes: number): void {
    this.stats.datagramsDropped++
    this.stats.bytesDropped += bytes
    if (!this.notify || this.noticeTimer) return
    const wait = Math.max(
      0,
      this.lastNoticeAt + DROP_NOTICE_INTERVAL_MS - Date.now(),
    )
    this.noticeTimer = setTimeout(this.sendNotice, wait)
    this.noticeTimer.unref()
  }

  private readonly sendNotice = (): void => {
    this.noticeTimer = undefined
    this.lastNoticeAt = Date.now()
    if (!this.browser.isOpen) return
    this.notify?.({
      datagrams: this.stats.datagramsDropped,
      bytes: this.stats.bytesDropped,
    })
  }
}
