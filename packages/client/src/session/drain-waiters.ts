import { ClientError } from '../errors.js'

/**
 * How often `drain()` looks at `bufferedAmount`, in ms: browsers fire no
 * event when it falls, so it is polled while someone waits.
 */
export const DRAIN_POLL_MS = 16

/** Promises waiting for a session's send buffer to fall; see `RelayClient.drain`. */
export interface DrainWaiters {
  /** Resolves once at most `maxBufferedBytes` wait in the buffer. */
  wait(maxBufferedBytes: number): Promise<void>
  /** The session closed: reject every waiter and stop polling. */
  fail(message: string): void
}

/** Waiters on one buffer, polled every {@link DRAIN_POLL_MS} while any wait. */
export function createDrainWaiters(bufferedAmount: () => number): DrainWaiters {
  const waiters = new Set<{
    resolve: () => void
    reject: (err: ClientError) => void
    maxBufferedBytes: number
  }>()
  let timer: ReturnType<typeof setTimeout> | undefined

  const poll = (): void => {
    timer = undefined
    const buffered = bufferedAmount()
    for (const waiter of waiters) {
      if (buffered <= waiter.maxBufferedBytes) {
        waiters.delete(waiter)
        waiter.resolve()
      }
    }
    if (waiters.size > 0) timer = setTimeout(poll, DRAIN_POLL_MS)
  }

  return {
    wait(maxBufferedBytes) {
      if (bufferedAmount() <= maxBufferedBytes) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        waiters.add({ resolve, reject, maxBufferedBytes })
        timer ??= setTimeout(poll, DRAIN_POLL_MS)
      })
    },
    fail(message) {
      for (const { reject } of waiters)
        reject(new ClientError('CLIENT_NOT_OPEN', message))
      waiters.clear()
      clearTimeout(timer)
      timer = undefined
    },
  }
}
