import { createHarness as createKitHarness } from '@wsrelay/test-kit/harness'
import { createRelay } from '../server/create-relay.js'
import type { RelayOptions } from '../settings/relay-options.js'

/**
 * The test kit's harness (everything a test starts is closed after it,
 * newest first), plus a relay in this process on 127.0.0.1, port 0.
 */
export function createHarness() {
  const harness = createKitHarness()

  /** A listening relay in this process, closed (drained) after the test. */
  const startRelay = async (options: RelayOptions) => {
    const relay = createRelay(options)
    const address = await relay.listen()
    harness.defer(() => relay.close())
    return { relay, ...address }
  }

  return { ...harness, startRelay }
}
