import net from 'node:net'
import { startDnsStub, type DnsAnswer, type DnsStub } from './dns-stub.js'
import { startRelayProcess, type RelayProcess } from './relay-cli.js'
import {
  echoProblem,
  startEchoServer,
  type TestTcpServer,
} from './tcp-server.js'
import { startUdpEchoServer, type TestUdpServer } from './udp-server.js'

/**
 * One relay process in front of one echo target (and, when its arguments
 * name `{UDP}`, a datagram echo target too), restarted when a hostile input
 * killed it, so each input is judged on a relay that was alive before it.
 */
export class RelayFixture {
  relay: RelayProcess | undefined
  echo: TestTcpServer | undefined
  udpEcho: TestUdpServer | undefined
  /** A DNS server on loopback, started when the arguments name `{DNS}`. */
  dns: DnsStub | undefined
  /** How many times the relay had to be restarted (it died). */
  restarts = 0

  constructor(
    /**
     * CLI arguments; `{ECHO}` is replaced by the echo target's port, `{UDP}`
     * by the UDP echo target's, and `{DNS}` by the address of a DNS stub on
     * loopback ({@link FUZZ_NAMES}).
     */
    private readonly args: readonly string[],
    /** The path of a route to the UDP echo, checked like the TCP echo after each batch. */
    private readonly udpPath?: string,
  ) {}

  /** The running relay, started (or restarted) as needed. */
  async ready(): Promise<RelayProcess> {
    this.echo ??= await startEchoServer()
    if (this.args.some((a) => a.includes('{UDP}')))
      this.udpEcho ??= await startUdpEchoServer()
    if (this.args.some((a) => a.includes('{DNS}')))
      this.dns ??= await startDnsStub(answerFuzzName)
    if (this.relay?.isAlive() && (await acceptsConnections(this.relay.port)))
      return this.relay
    // A crash can land after the last check; wait for the exit to be seen.
    if (this.relay) await settle(this.relay.exited, 2000)
    if (this.relay) this.restarts++
    const port = String(this.echo.port)
    const udpPort = String(this.udpEcho?.port ?? '')
    const dns = this.dns?.address ?? ''
    this.relay = await startRelayProcess(
      this.args.map((a) =>
        a
          .replaceAll('{ECHO}', port)
          .replaceAll('{UDP}', udpPort)
          .replaceAll('{DNS}', dns),
      ),
    )
    return this.relay
  }

  /**
   * Undefined when the relay is alive and a known-good client still echoes
   * through it; otherwise what is wrong, with the relay's stderr tail.
   */
  async problem(): Promise<string | undefined> {
    const relay = this.relay
    if (!relay) return 'relay was never started'
    if (!relay.isAlive()) {
      const { code, signal } = await relay.exited
      return `relay died (exit ${code ?? signal}): ${crashSummary(relay.stderr())}`
    }
    const echo =
      (await echoProblem(relay.port)) ??
      (this.udpPath === undefined
        ? undefined
        : await echoProblem(relay.port, { path: this.udpPath }).then(
            (problem) => problem && `UDP route ${this.udpPath}: ${problem}`,
          ))
    if (echo === undefined) return undefined
    // The echo failing is often the crash in progress: give the exit a moment to show.
    const exit = await settle(relay.exited, 2000)
    return exit
      ? `relay died (exit ${exit.code ?? exit.signal}): ${crashSummary(relay.stderr())}`
      : echo
  }

  /** Stops the relay and the echo target. */
  async close(): Promise<void> {
    await this.relay?.kill()
    await this.echo?.close()
    await this.udpEcho?.close()
    await this.dns?.close()
  }
}

/** Names the fixture's DNS stub knows: each answers 127.0.0.1 its own way. */
export const FUZZ_NAMES = {
  fast: 'fast.test',
  slow: 'slow.test',
  never: 'never.test',
} as const

function answerFuzzName(name: string): DnsAnswer {
  if (name === FUZZ_NAMES.fast) return { addresses: ['127.0.0.1'] }
  if (name === FUZZ_NAMES.slow)
    return { addresses: ['127.0.0.1'], delayMs: 300 }
  if (name === FUZZ_NAMES.never) return { kind: 'never' }
  return { kind: 'nxdomain' }
}

/** The promise's value, or undefined when it takes longer than `ms`. */
export async function settle<T>(
  p: Promise<T>,
  ms: number,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** The lines of a crash that say what happened (error name and message, first frame). */
export function crashSummary(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim())
  // The error's own line ("RangeError: Invalid WebSocket frame: ...") says most; Node prints it after the source excerpt.
  let at = lines.findIndex((l) => /^\w*Error\b|^Error \[/.test(l))
  if (at < 0) at = lines.findIndex((l) => /Unhandled/.test(l))
  return at < 0 ? stderr.slice(-600) : lines.slice(at, at + 3).join(' | ')
}

/** Resolves on the event, or when the emitter closes; never rejects (unlike events.once on 'error'). */
export function eventOrClose(
  emitter: { once(event: string, fn: () => void): unknown },
  event: string,
): Promise<void> {
  return new Promise((resolve) => {
    emitter.once(event, () => resolve())
    emitter.once('close', () => resolve())
  })
}
