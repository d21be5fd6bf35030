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
  }

  /** The browser answered. */
  readonly onPong = (): void => {
    clearTimeout(this.deadline)
    this.deadline = undefined
  }

  private readonly onInterval = (): void => {
    if (this.deadline || !this.peer.isOpen()) return
    this.peer.ping()
    this.armDeadline()
  }

  private armDeadline(): void {
    this.deadline = setTimeout(this.onDeadline, this.pongTimeoutMs)
    this.deadline.unref()
  }

  private readonly onDeadline = (): void => {
    // A pong the relay has not read yet is not the browser's fault: wait on.
    if (this.peer.isPausedByUs()) {
      this.armDeadline()
      return
    }
    this.deadline = undefined
    this.peer.onUnresponsive(`No pong within ${this.pongTimeoutMs} ms.`)
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
