import { afterEach } from 'vitest'
import type { RelayOptions } from '../settings/relay-options.js'
import { createRelay } from '../server/create-relay.js'

/**
 * Per-test cleanup for real sockets and servers: whatever a test starts is
 * closed after it, newest first, even when the test fails.
 */
export function createHarness() {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** Runs `fn` after the current test. */
  const defer = (fn: () => Promise<void> | void): void => {
    cleanups.push(fn)
  }

  /** Awaits a server (echo, target, blackhole…) and closes it after the test. */
  const track = async <T extends { close(): Promise<void> | void }>(
    started: Promise<T>,
  ): Promise<T> => {
    const thing = await started
    defer(() => thing.close())
    return thing
  }

  /** A listening relay on 127.0.0.1, port 0, closed after the test. */
  const startRelay = async (options: RelayOptions) => {
    const relay = createRelay(options)
    const address = await relay.listen()
    defer(() => relay.close())
    return { relay, ...address }
  }

  return { defer, track, startRelay }
}
