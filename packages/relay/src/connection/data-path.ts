import type { ConnectionStats } from '../observability/registry.js'
import type { TargetLink } from '../targets/target-link.js'
import type { ClientLink } from '../websocket/client-link.js'
import type { Valve } from './pauses.js'

/**
 * The two pumps of one connection: browser → target and target → browser,
 * each bounded by the high-water mark. Only the write that crosses the mark
 * carries a callback; it stops reading the side that fills the queue and
 * resumes it once that write (and every one before it) is out, which works
 * at any mark, even below Node's 16 KiB. Data a `wsrelay.v1` client sends
 * behind `open`, before the target is chosen, is held here in order.
 */
export class DataPath {
  readonly stats: ConnectionStats = {
    bytesToTarget: 0,
    bytesToClient: 0,
    peakPendingToClient: 0,
    peakPendingToTarget: 0,
    targetPauses: 0,
    clientPauses: 0,
    datagramsDropped: 0,
    bytesDropped: 0,
  }
  private link: TargetLink | undefined
  private early: Buffer[] = []
  private earlyBytes = 0

  constructor(
    private readonly browser: ClientLink,
    private readonly highWaterMark: number,
    /** Reading the browser. */
    private readonly client: Valve,
    /** Reading the target. */
    private readonly target: Valve,
    /** Bytes moved either way (the idle watch listens). */
    private readonly onTraffic: () => void,
  ) {}

  /** Bytes held for this connection now, both directions, including a half-read text message or frame header. */
  get heldBytes(): number {
    return (
      this.browser.bufferedAmount +
      (this.link?.pendingBytes ?? 0) +
      this.earlyBytes +
      this.browser.heldBytes
    )
  }

  /**
   * Bytes from the browser: to the target, or held while it is chosen
   * (`canHold`), or dropped when there will be no target.
   */
  fromClient(bytes: Buffer, canHold: boolean): void {
    this.onTraffic()
    this.stats.bytesToTarget += bytes.length
    if (this.link) {
      this.writeToTarget(bytes)
      return
    }
    if (!canHold) return
    this.early.push(bytes)
    this.earlyBytes += bytes.length
    if (this.earlyBytes >= this.highWaterMark) this.client.pause('early')
  }

  /** The target is chosen: what was held goes out first, in order, behind the handshake. */
  attach(link: TargetLink): void {
    this.link = link
    const early = this.early
    this.dropHeld()
    for (const bytes of early) this.writeToTarget(bytes)
    this.client.resume('early')
  }

  /** The connection is over: nothing held is sent. */
  dropHeld(): void {
    this.early = []
    this.earlyBytes = 0
  }

  /**
   * Bytes from the target, to the browser as one binary frame (its header
   * written into the `headroom` in front); true when the chunk is still
   * queued after the call.
   */
  readonly fromTarget = (chunk: Buffer, headroom: number): boolean => {
    const browser = this.browser
    if (!browser.isOpen) return false // browser gone or closing: discard
    this.onTraffic()
    this.stats.bytesToClient += chunk.length
    const pending = browser.bufferedAmount + chunk.length
    if (pending > this.stats.peakPendingToClient)
      this.stats.peakPendingToClient = pending
    if (pending < this.highWaterMark) {
      // The common case: no callback, no closure.
      return browser.send(chunk, undefined, headroom)
    }
    // This frame crosses the mark: stop reading the target until it is out.
    const isHeld = browser.send(chunk, this.onClientWritten, headroom)
    this.target.pause('peer')
    return isHeld
  }

  /** Sends a control message; true when it crossed the mark (the caller may stop reading). */
  sendText(text: string): boolean {
    const browser = this.browser
    if (!browser.isOpen) return false
    if (browser.bufferedAmount + text.length < this.highWaterMark) {
      browser.sendText(text)
      return false
    }
    browser.sendText(text, this.onClientWritten)
    return true
  }

  /** Answers a WebSocket ping; true when the pong crossed the mark (a browser that pings and never reads). */
  sendPong(payload: Buffer): boolean {
    const browser = this.browser
    if (!browser.isOpen) return false
    if (browser.bufferedAmount + payload.length < this.highWaterMark) {
      browser.pong(payload)
      return false
    }
    browser.pong(payload, this.onClientWritten)
    return true
  }

  private writeToTarget(bytes: Buffer): void {
    const link = this.link
    if (!link?.isWritable) return
    const pending = link.pendingBytes + bytes.length
    if (pending > this.stats.peakPendingToTarget)
      this.stats.peakPendingToTarget = pending
    if (pending < this.highWaterMark) {
      link.write(bytes)
      return
    }
    link.write(bytes, this.onTargetWritten)
    this.client.pause('peer')
  }

  /**
   * Runs when the frame that crossed the mark is handed to the kernel (or
   * dropped on close): every frame before it is out too.
   */
  private readonly onClientWritten = (): void => {
    this.target.resume('peer')
    this.client.resume('pongs')
  }

  /** The write that crossed the mark is out, and every write before it. */
  private readonly onTargetWritten = (): void => {
    this.client.resume('peer')
  }
}
