import { afterEach } from 'vitest'
import {
  startRelayProcess,
  type RelayProcess,
} from '../../fuzz/relay-process.js'
import { startTarget, type TcpTarget } from '../../fuzz/targets.js'

/**
 * Per-test cleanup for the hostile suite: relay processes, targets and raw
 * connections started by a test are closed after it, newest first.
 */
export function createProcessHarness() {
  const running: { close(): Promise<void> | void }[] = []
  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.close()
  })
  /** A real `wsrelay` process with these arguments, killed after the test. */
  const relayWith = async (args: string[]): Promise<RelayProcess> => {
    const relay = await startRelayProcess(args)
    running.push({ close: () => relay.kill() })
    return relay
  }
  /** Closes `thing` after the test; returns it. */
  const track = <T extends { close(): Promise<void> | void }>(thing: T): T => {
    running.push(thing)
    return thing
  }
  /** An echo target on 127.0.0.1, closed after the test. */
  const echoTarget = async (): Promise<TcpTarget> => track(await startTarget())
  return { running, relayWith, track, echoTarget }
}
