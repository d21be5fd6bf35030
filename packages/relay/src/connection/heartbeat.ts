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
function stallCheck(watch: StallWatch): void {
  watch.onTick()
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
  /** A pong is due but the relay had stopped reading: judged afresh once it reads again. */
  private isPongOwed = false

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
    this.isPongOwed = false
  }

  /** The browser answered. */
  onPong(): void {
    clearTimeout(this.deadline)
    this.deadline = undefined
    this.isPongOwed = false
  }

  /** The relay reads the browser again: a pong still owed gets a fresh deadline. */
  onReadingResumed(): void {
    if (!this.isPongOwed || this.interval === undefined) return
    this.isPongOwed = false
    this.armDeadline()
  }

  /** Every `intervalMs`: ping, unless a ping is still unanswered. */
  onInterval(): void {
    if (this.deadline || this.isPongOwed || !this.peer.isBrowserOpen()) return
    this.peer.pingBrowser()
    this.armDeadline()
  }

  private armDeadline(): void {
    this.deadline = setTimeout(pongMissed, this.pongTimeoutMs, this)
    this.deadline.unref()
  }

  /** `pongTimeoutMs` after a ping with no pong. */
  onDeadline(): void {
    this.deadline = undefined
    // A pong the relay has not read yet is not the browser's fault. No timer
    // runs meanwhile: the deadline starts again when reading does, and a
    // session that never reads again is the stall watch's to close.
    if (this.peer.isBrowserPausedByUs()) {
      this.isPongOwed = true
      return
    }
    this.peer.onBrowserUnresponsive(`No pong within ${this.pongTimeoutMs} ms.`)
  }
}

/** What the stall watch reads of the connection (the connection itself). */
export interface StallPeer {
  /** True while the relay waits for a side to read (it stopped reading the other for backpressure). */
  isWaitingForReader(): boolean
  /** A number that changes whenever bytes move (handed to either kernel). */
  bytesMoved(): number
  onStalled(reason: string): void
}

/**
 * Finds a session that cannot move: the relay has stopped reading one side
 * because the other does not read, and no byte has moved either way for
 * `timeoutMs` (a target that never reads; a browser gone behind a FIN the
 * relay cannot see, since it stopped reading). Checked four times per
 * period, so such a session is closed within 1.25 periods; 0 turns it off.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | undefined
  private since: number | undefined
  private lastProgress = Number.NaN

  constructor(
    private readonly timeoutMs: number,
    private readonly peer: StallPeer,
  ) {}

  /**
   * The relay began to wait for a side to read: watch until it stops
   * waiting. No timer runs otherwise, so an idle session costs nothing here.
   */
  watch(): void {
    if (this.timeoutMs === 0 || this.timer) return
    this.lastProgress = Number.NaN
    this.timer = setInterval(stallCheck, Math.max(1, this.timeoutMs / 4), this)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.since = undefined
  }

  /** A quarter period after the last look. */
  onTick(): void {
    // Not waiting any more: nothing to watch until the next wait.
    if (!this.peer.isWaitingForReader()) {
      this.stop()
      return
    }
    const now = Date.now()
    const progress = this.peer.bytesMoved()
    if (progress !== this.lastProgress) {
      this.lastProgress = progress
      this.since = now
      return
    }
    this.since ??= now
    if (now - this.since < this.timeoutMs) return
    this.stop()
    this.peer.onStalled(
      `Nothing moved for ${this.timeoutMs} ms: a side stopped reading.`,
    )
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
  /** The reason given when it fires (a UDP session's own); none: the stream's. */
  private describe: ((ms: number) => string) | undefined

  constructor(
    private timeoutMs: number,
    private readonly owner: { onIdle(reason: string): void },
  ) {}

  /** Before `start`: watch with another timeout and reason (a UDP session's own). */
  retune(timeoutMs: number, describe: (ms: number) => string): void {
    this.timeoutMs = timeoutMs
    this.describe = describe
  }

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
    this.owner.onIdle(
      this.describe?.(this.timeoutMs) ??
        `No data either way for ${this.timeoutMs} ms.`,
    )
  }
}
