import dgram from 'node:dgram'
import { once } from 'node:events'
import * as dnsPacket from 'dns-packet'

/** How the stub answers one question: addresses (after a delay, or once a gate opens), NXDOMAIN, or never. */
export type DnsAnswer =
  | {
      readonly addresses: readonly string[]
      /** Wait this long before answering, in ms. */
      readonly delayMs?: number
      /** Answer only once this settles: the test decides when, not a clock. */
      readonly after?: Promise<unknown>
    }
  | { readonly kind: 'nxdomain' }
  | { readonly kind: 'never' }

/** A DNS server on 127.0.0.1 (UDP, port 0) that answers as the test says: names never leave the machine. */
export interface DnsStub {
  /** `127.0.0.1:PORT`, for the relay's `--dns-server`. */
  readonly address: string
  readonly port: number
  /** Questions received so far, `NAME TYPE` (`slow.test A`), in order. */
  readonly questions: string[]
  close(): Promise<void>
}

/**
 * Starts a DNS server on loopback. `answer` decides each A or AAAA question
 * (lower-case name, no trailing dot); AAAA questions are answered with no
 * records unless `answer` gives IPv6 addresses. Every other question gets
 * NXDOMAIN.
 *
 * @example
 * const dns = await startDnsStub((name) =>
 *   name === 'slow.test' ? { addresses: ['127.0.0.1'], delayMs: 500 } : { kind: 'nxdomain' })
 * startRelayProcess(['--dns-server', dns.address, ...])
 */
export async function startDnsStub(
  answer: (name: string, type: 'A' | 'AAAA') => DnsAnswer,
): Promise<DnsStub> {
  const socket = dgram.createSocket('udp4')
  const questions: string[] = []
  const timers = new Set<NodeJS.Timeout>()
  let isClosed = false
  socket.on('error', () => {
    // A client that went away; the test judges the relay, not the stub.
  })
  socket.on('message', (message, peer) => {
    let query: dnsPacket.Packet
    try {
      query = dnsPacket.decode(message)
    } catch {
      return // not DNS: drop it, as a server would
    }
    const question = query.questions?.[0]
    if (!question) return
    const name = question.name.toLowerCase().replace(/\.$/, '')
    questions.push(`${name} ${question.type}`)
    const type = question.type === 'AAAA' ? 'AAAA' : 'A'
    const decided: DnsAnswer =
      question.type === 'A' || question.type === 'AAAA'
        ? answer(name, type)
        : { kind: 'nxdomain' }
    if ('kind' in decided && decided.kind === 'never') return
    const isNxdomain = 'kind' in decided
    const addresses = 'addresses' in decided ? decided.addresses : []
    const family = type === 'A' ? /^\d+\./ : /:/
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      rcode: isNxdomain ? 'NXDOMAIN' : 'NOERROR',
      questions: [question],
      answers: addresses
        .filter((a) => family.test(a))
        .map((data) => ({ type, name: question.name, ttl: 1, data })),
    } as dnsPacket.Packet)
    const send = (): void => {
      // A gate may open after the test closed the stub.
      if (!isClosed) socket.send(reply, peer.port, peer.address)
    }
    if ('after' in decided && decided.after) {
      decided.after.then(send, send)
      return
    }
    const delayMs = 'delayMs' in decided ? (decided.delayMs ?? 0) : 0
    if (delayMs === 0) {
      send()
      return
    }
    const timer = setTimeout(() => {
      timers.delete(timer)
      send()
    }, delayMs)
    timers.add(timer)
  })
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const { port } = socket.address()
  return {
    address: `127.0.0.1:${port}`,
    port,
    questions,
    close: () =>
      new Promise<void>((resolve) => {
        isClosed = true
        for (const timer of timers) clearTimeout(timer)
        socket.close(() => resolve())
      }),
  }
}
