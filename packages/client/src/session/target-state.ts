/**
 * wsrelay.v1: how far a session's TCP connection to the target has come.
 * Each session starts at `none`; a binary session stays there.
 *
 * - `opening`: `open()` was called; waiting for the relay's `connected`.
 * - `connected`: bytes flow both ways.
 * - `input-ended`: this side called `end()` (FIN to the target); the target may still answer.
 * - `target-ended`: the target sent FIN; this side may still send until `end()`.
 * - `ended`: both sides ended; the relay closes the session with 1000.
 */
export type TargetState =
  'none' | 'opening' | 'connected' | 'input-ended' | 'target-ended' | 'ended'

/** Every move a session's target may make (TCP half-close, one side at a time). */
export const TARGET_TRANSITIONS: Readonly<
  Record<TargetState, readonly TargetState[]>
> = {
  none: ['opening'],
  opening: ['connected'],
  connected: ['input-ended', 'target-ended'],
  'input-ended': ['ended'],
  'target-ended': ['ended'],
  ended: [],
}

/** Whether this side may still send `end` (it has not yet). */
export function canEndInput(state: TargetState): boolean {
  return state === 'connected' || state === 'target-ended'
}

/** Whether this side's input already ended (a second `end()` does nothing). */
export function hasInputEnded(state: TargetState): boolean {
  return state === 'input-ended' || state === 'ended'
}
