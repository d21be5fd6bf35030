import { afterEach } from 'vitest'
import {
  startRelayProcess,
  type RelayProcess,
  type RelayProcessOptions,
} from './relay-cli.js'
import {
  startEchoServer,
  startTcpServer,
  type TestTcpServer,
} from './tcp-server.js'
import {
  startUdpEchoServer,
  startUdpServer,
  type TestUdpServer,
} from './udp-server.js'

/** Something a test started that has to be stopped after it. */
export interface Closable {
  close(): Promise<void> | void
}

/**
 * Per-test cleanup for real sockets, servers and processes: whatever a test
 * starts is closed after it, newest first, even when the test fails.
 *
 * @example
 * const { relayProcess, echoServer } = createHarness()
 * it('echoes', async () => {
 *   const echo = await echoServer()
 *   const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
 * })
 */
export function createHarness() {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** Runs `fn` after the current test. */
  const defer = (fn: () => unknown): void => {
    cleanups.push(fn)
  }

  /** Awaits `started` (a server, a connection…) and closes it after the test. */
  const track = async <T extends Closable>(
    started: Promise<T> | T,
  ): Promise<T> => {
    const thing = await started
    defer(() => thing.close())
    return thing
  }

  /** A real `wsrelay` process with these arguments, killed after the test. */
  const relayProcess = async (
    args: readonly string[],
    options?: RelayProcessOptions,
  ): Promise<RelayProcess> => {
    const relay = await startRelayProcess(args, options)
    defer(() => relay.kill())
    return relay
  }

  /** A TCP server on 127.0.0.1, closed after the test. */
  const tcpServer = (
    ...args: Parameters<typeof startTcpServer>
  ): Promise<TestTcpServer> => track(startTcpServer(...args))

  /** A byte-exact echo server on 127.0.0.1, closed after the test. */
  const echoServer = (): Promise<TestTcpServer> => track(startEchoServer())

  /** A UDP socket on 127.0.0.1, closed after the test. */
  const udpServer = (
    ...args: Parameters<typeof startUdpServer>
  ): Promise<TestUdpServer> => track(startUdpServer(...args))

  /** A datagram echo server on 127.0.0.1, closed after the test. */
  const udpEchoServer = (): Promise<TestUdpServer> =>
    track(startUdpEchoServer())

  return {
    defer,
    track,
    relayProcess,
    tcpServer,
    echoServer,
    udpServer,
    udpEchoServer,
  }
}
