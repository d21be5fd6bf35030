/** What the heartbeat needs from the connection (the connection itself). */
export interface HeartbeatPeer {
  /** True while the WebSocket is open (a ping can be sent). */
  isBrowserOpen(): boolean
  pingBrowser(): void
  /** True while the relay itself has stopped reading the browser: its pong may sit unread. */
  isBrowserPausedByUs(): boolean
  /** The browser missed its pong: it vanished without a close frame. */
  onBrowserUnresponsive(reason: string): void
}

// Timer callbacks shared by every heartbeat and idle watch (the instance is
// the timer's argument): no closure per connection.
function beat(heartbeat: Heartbeat): void {
  heartbeat.onInterval()
}
function pongMissed(heartbeat: Heartbeat): void {
  heartbeat.onDeadline()
}
function idleCheck(watch: IdleWatch): void {
  watch.onTimer()
}

/**
 * Pings find browsers that vanished without a close frame (RFC 6455 5.5.2):
 * a ping every `intervalMs`, and a browser that has not answered within
 * `pongTimeoutMs` is given up. Started and stopped by the connection's
 * state changes; 0 ms turns it off.
 */
export class Heartbeat {
  private interval: NodeJS.Timeout | undefined
  private deadline: NodeJS.Timeout | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly pongTimeoutMs: number,
    private readonly peer: HeartbeatPeer,
  ) {}

  start(): void {
    if (this.intervalMs === 0 || this.interval) return
    this.interval = setInterval(beat, this.intervalMs, this)
    this.interval.unref()
  }

  stop(): void {
    clearInterval(this.interval)
    clearTimeout(this.deadline)
    this.interval = undefined
    this.deadline = undefined
  }

  /** The browser answered. */
  onPong(): void {
    clearTimeout(this.deadline)
    this.deadline = undefined
  }

  /** Every `intervalMs`: ping, unless a ping is still unanswered. */
  onInterval(): void {
    if (this.deadline || !this.peer.isBrowserOpen()) return
    this.peer.pingBrowser()
    this.armDeadline()
  }

  private armDeadline(): void {
    this.deadline = setTimeout(pongMissed, this.pongTimeoutMs, this)
    this.deadline.unref()
  }

  /** `pongTimeoutMs` after a ping with no pong. */
  onDeadline(): void {
    // A pong the relay has not read yet is not the browser's fault: wait on.
    if (this.peer.isBrowserPausedByUs()) {
      this.armDeadline()
      return
    }
    this.deadline = undefined
    this.peer.onBrowserUnresponsive(`No pong within ${this.pongTimeoutMs} ms.`)
  }
}

/**
 * Closes a connection with no bytes either way for `timeoutMs` (0: off).
 * Traffic only sets a flag; the timer checks it (cheaper than a clock read
 * per chunk), so a connection goes between one and two periods idle.
 */
export class IdleWatch {
  private timer: NodeJS.Timeout | undefined
  private sawTraffic = false

  constructor(
    private readonly timeoutMs: number,
    private readonly owner: { onIdle(reason: string): void },
  ) {}

  /** Bytes moved, either way. */
  noteTraffic(): void {
    this.sawTraffic = true
  }

  start(): void {
    if (this.timeoutMs === 0 || this.timer) return
    this.arm()
  }

  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    this.timer = setTimeout(idleCheck, this.timeoutMs, this)
    this.timer.unref()
  }

  /** `timeoutMs` after the last look. */
  onTimer(): void {
    if (this.sawTraffic) {
      this.sawTraffic = false
      this.arm()
      return
    }
    this.timer = undefined
    this.owner.onIdle(`No data either way for ${this.timeoutMs} ms.`)
  }
}
