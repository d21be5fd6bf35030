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

/** One bit per reason: a valve is one number, not a set, per side per connection. */
const BITS: Readonly<Record<PauseReason, number>> = {
  peer: 1,
  budget: 2,
  early: 4,
  pongs: 8,
  shutdown: 16,
}

/** Told when a valve starts waiting for the other side to read (`peer`, `pongs`). */
export interface WaitWatcher {
  onWaitForReader(): void
}

/** The reasons that mean waiting for the other side to read. */
const WAITING_BITS = BITS.peer | BITS.pongs

/**
 * The one place a side's reading stops and starts: it pauses at the first
 * reason and resumes when the last one is lifted.
 */
export class Valve {
  private reasons = 0

  constructor(
    /** Stops reading; `reason` is the one that closed the valve. */
    private readonly onPause: (reason: PauseReason) => void,
    /** Starts reading again. */
    private readonly onResume: () => void,
    /** Told of every new `peer` or `pongs` reason (the stall watch starts there). */
    private readonly watcher?: WaitWatcher,
  ) {}

  /** True while any reason holds. */
  get isPaused(): boolean {
    return this.reasons !== 0
  }

  /** True while `reason` holds. */
  has(reason: PauseReason): boolean {
    return (this.reasons & BITS[reason]) !== 0
  }

  pause(reason: PauseReason): void {
    const bit = BITS[reason]
    if (this.reasons === 0) this.onPause(reason)
    const isNew = (this.reasons & bit) === 0
    this.reasons |= bit
    if (isNew && (bit & WAITING_BITS) !== 0) this.watcher?.onWaitForReader()
  }

  /** Lifts these reasons; reading resumes if none is left. */
  resume(...reasons: PauseReason[]): void {
    const before = this.reasons
    for (const reason of reasons) this.reasons &= ~BITS[reason]
    if (before !== 0 && this.reasons === 0) this.onResume()
  }
}
