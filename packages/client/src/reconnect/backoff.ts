import { ClientError } from '../errors.js'

/** How the client reconnects after a session drops; every field optional. */
export interface ReconnectOptions {
  /** Delay before the first attempt, in ms. Default 500. */
  initialDelayMs?: number
  /** Longest delay between attempts, in ms. Default 30 000. */
  maxDelayMs?: number
  /** Each attempt waits this many times longer than the one before. Default 2. */
  factor?: number
  /**
   * Share of each delay that is random, 0 to 1. Default 0.5: a delay of 4 s
   * becomes 2-4 s, so a thousand pages dropped by one relay restart do not all
   * come back in the same millisecond.
   */
  jitter?: number
  /** Attempts in a row before giving up (state `closed`). Default Infinity. */
  maxAttempts?: number
  /** Random numbers in [0, 1); default `Math.random` (tests pass their own). */
  random?: () => number
}

/** {@link ReconnectOptions} with every default filled in. */
export type ReconnectPolicy = Required<ReconnectOptions>

/** The defaults of {@link ReconnectOptions}. */
export const DEFAULT_RECONNECT: ReconnectPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
  random: Math.random,
}

/** Fills in defaults and rejects values that cannot work, naming the option. */
export function reconnectPolicy(
  options: ReconnectOptions = {},
): ReconnectPolicy {
  const policy = { ...DEFAULT_RECONNECT, ...options }
  // A long first delay with the default cap is a longer cap, not an error.
  if (options.maxDelayMs === undefined)
    policy.maxDelayMs = Math.max(policy.maxDelayMs, policy.initialDelayMs)
  const check = (name: keyof ReconnectOptions, ok: boolean, want: string) => {
    if (!ok) {
      throw new ClientError(
        'CLIENT_INVALID_OPTION',
        `reconnect.${name} is ${String(policy[name])}; expected ${want}.`,
      )
    }
  }
  check('initialDelayMs', policy.initialDelayMs >= 0, 'a number of ms >= 0')
  check(
    'maxDelayMs',
    policy.maxDelayMs >= policy.initialDelayMs,
    'a number of ms >= initialDelayMs',
  )
  check('factor', policy.factor >= 1, 'a number >= 1')
  check(
    'jitter',
    policy.jitter >= 0 && policy.jitter <= 1,
    'a number from 0 to 1',
  )
  check('maxAttempts', policy.maxAttempts >= 1, 'a number >= 1 (or Infinity)')
  return policy
}

/**
 * Exponential backoff with jitter: attempt 1 waits about `initialDelayMs`,
 * each later one `factor` times longer, never more than `maxDelayMs`; then
 * up to `jitter` of it is taken off at random.
 *
 * @example
 * backoffDelay(3, reconnectPolicy({ jitter: 0 })) // 2000
 */
export function backoffDelay(attempt: number, policy: ReconnectPolicy): number {
  const exponential =
    policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1)
  const capped = Math.min(policy.maxDelayMs, exponential)
  return Math.round(capped * (1 - policy.jitter * policy.random()))
}
