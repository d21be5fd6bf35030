/**
 * Why the relay stops reading one side of a connection. Several may hold at
 * once; reading resumes when the last is gone. The same reasons serve both
 * directions: the browser's WebSocket and the target's socket.
 */
export type PauseReason =
  /** The other side is not taking bytes fast enough (backpressure). */
  | 'peer'
  /** The relay is at its memory budget. */
  | 'budget'
  /** wsrelay.v1: data arrived behind `open` before the target was chosen. */
  | 'early'
  /** wsrelay.v1: the browser sends pings but does not read the pongs. */
  | 'pongs'
  /** The relay is draining: no new bytes from the target. */
  | 'shutdown'

/**
 * The one place a side's reading stops and starts: it pauses at the first
 * reason and resumes when the last one is lifted.
 */
export class Valve {
  private readonly reasons = new Set<PauseReason>()

  constructor(
    /** Stops reading; `reason` is the one that closed the valve. */
    private readonly onPause: (reason: PauseReason) => void,
    /** Starts reading again. */
    private readonly onResume: () => void,
  ) {}

  /** True while any reason holds. */
  get isPaused(): boolean {
    return this.reasons.size > 0
  }

  /** True while `reason` holds. */
  has(reason: PauseReason): boolean {
    return this.reasons.has(reason)
  }

  pause(reason: PauseReason): void {
    if (this.reasons.size === 0) this.onPause(reason)
    this.reasons.add(reason)
  }

  /** Lifts these reasons; reading resumes if none is left. */
  resume(...reasons: PauseReason[]): void {
    let isLifted = false
    for (const reason of reasons)
      isLifted = this.reasons.delete(reason) || isLifted
    if (isLifted && this.reasons.size === 0) this.onResume()
  }
}
