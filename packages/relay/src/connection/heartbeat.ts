/** What the heartbeat needs from the connection. */
export interface HeartbeatPeer {
  /** True while the WebSocket is open (a ping can be sent). */
  isOpen(): boolean
  ping(): void
  /** True while the relay itself has stopped reading the browser: its pong may sit unread. */
  isPausedByUs(): boolean
  /** The browser missed its pong: it vanished without a close frame. */
  onUnresponsive(reason: string): void
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
    this.interval = setInterval(this.onInterval, this.intervalMs)
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
  readonly onPong = (): void => {
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

  private readonly onInterval = (): void => {
    if (this.deadline || this.isPongOwed || !this.peer.isOpen()) return
    this.peer.ping()
    this.armDeadline()
  }

  private armDeadline(): void {
    this.deadline = setTimeout(this.onDeadline, this.pongTimeoutMs)
    this.deadline.unref()
  }

  private readonly onDeadline = (): void => {
    this.deadline = undefined
    // A pong the relay has not read yet is not the browser's fault. No timer
    // runs meanwhile: the deadline starts again when reading does, and a
    // session that never reads again is the stall watch's to close.
    if (this.peer.isPausedByUs()) {
      this.isPongOwed = true
      return
    }
    this.peer.onUnresponsive(`No pong within ${this.pongTimeoutMs} ms.`)
  }
}

/** What the stall watch reads of the connection. */
export interface StallPeer {
  /** True while the relay waits for a side to read (it stopped reading the other for backpressure). */
  isWaiting(): boolean
  /** A number that changes whenever bytes move (handed to either kernel). */
  progress(): number
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

  start(): void {
    if (this.timeoutMs === 0 || this.timer) return
    this.timer = setInterval(this.onTick, Math.max(1, this.timeoutMs / 4))
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.since = undefined
  }

  private readonly onTick = (): void => {
    const now = Date.now()
    const progress = this.peer.progress()
    if (!this.peer.isWaiting() || progress !== this.lastProgress) {
      this.lastProgress = progress
      this.since = this.peer.isWaiting() ? now : undefined
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
  private describe = (ms: number): string => `No data either way for ${ms} ms.`

  constructor(
    private timeoutMs: number,
    private readonly onIdle: (reason: string) => void,
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
    this.timer = setTimeout(this.onTimer, this.timeoutMs)
    this.timer.unref()
  }

  private readonly onTimer = (): void => {
    if (this.sawTraffic) {
      this.sawTraffic = false
      this.arm()
      return
    }
    this.timer = undefined
    this.onIdle(this.describe(this.timeoutMs))
  }
}
