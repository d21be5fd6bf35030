import dgram from 'node:dgram'
import net, { type LookupFunction } from 'node:net'
import { datagramTooBigFailure, KnownTargetFailure } from './target-failure.js'
import type { TargetEvents, TargetLink } from './target-link.js'
import type { ChosenTarget } from './target-selection.js'

/** The largest UDP payload over IPv4: 65,535 less the IPv4 (20) and UDP (8) headers. */
export const MAX_UDP_PAYLOAD_IPV4 = 65_507
/** The largest UDP payload over IPv6: the payload length field counts no IPv6 header, so 65,535 less UDP's 8 bytes. */
export const MAX_UDP_PAYLOAD_IPV6 = 65_527

/** What a datagram link reads of the relay's settings. */
export interface DatagramLinkSettings {
  /** `--max-datagram-size`: the largest message sent as one datagram (capped by what the family carries). */
  readonly maxDatagramSize: number
}

/** A message waiting for the socket to connect. */
interface Queued {
  readonly bytes: Buffer
  readonly onWritten: (() => void) | undefined
}

type Phase = 'resolving' | 'connecting' | 'open' | 'closed'

/**
 * A UDP session's socket to its target, behind the same face as a TCP
 * connection: one connected datagram socket per session, owned from the
 * lookup to the close. `write` sends one datagram per message; each
 * datagram that arrives is one `onTargetData`. Being connected, the socket takes
 * datagrams only from the target's address and port (the kernel drops the
 * rest) and hears ICMP port unreachable as an ECONNREFUSED error.
 *
 * What UDP does not have, the link does not pretend: there is no handshake
 * (`onTargetConnect` fires once the socket is connected locally), no FIN (`end`
 * only stops sending; `onTargetEnd` never fires), and no way to stop reading
 * (`pause` and `resume` do nothing: the connection's datagram pump drops
 * what arrives while it is not reading).
 */
export function openDatagramLink(
  target: ChosenTarget,
  /** The operator's names, resolved and cached as for TCP routes. */
  lookup: LookupFunction,
  events: TargetEvents,
  settings: DatagramLinkSettings,
): TargetLink {
  let phase: Phase = 'resolving'
  let socket: dgram.Socket | undefined
  let limit = settings.maxDatagramSize
  let limitWhy = '--max-datagram-size'
  let queue: Queued[] = []
  let queuedBytes = 0
  /** Datagrams handed to the socket whose send callback has not run yet. */
  let inFlight = 0
  let isEnded = false
  let isLingering = false
  let isFinished = false
  let lingerTimer: NodeJS.Timeout | undefined

  const close = (): void => {
    if (phase === 'closed') return
    phase = 'closed'
    // What never went out is dropped, but its callbacks run, as a destroyed
    // TCP socket runs its writes' callbacks: a reader paused on one resumes.
    const dropped = queue
    queue = []
    queuedBytes = 0
    for (const { onWritten } of dropped) onWritten?.()
    if (socket) {
      socket.close()
      return // 'close' follows
    }
    // No socket yet (the lookup runs): close as a socket would, a tick later.
    process.nextTick(onClose)
  }

  const onClose = (): void => {
    clearTimeout(lingerTimer)
    isFinished = true
    events.onTargetClose()
  }

  const fail = (err: Error): void => {
    if (phase === 'closed') return
    events.onTargetError(err)
    close()
  }

  /** Our side is done once the page ended (or left) and every datagram went out. */
  const maybeFinished = (): void => {
    if (!isEnded || inFlight > 0 || queue.length > 0 || isFinished) return
    if (isLingering) {
      close()
      return
    }
    isFinished = true
    events.onTargetFinish()
  }

  const send = (bytes: Buffer, onWritten: (() => void) | undefined): void => {
    if (phase !== 'open' || !socket) return
    if (bytes.length > limit) {
      fail(
        new KnownTargetFailure(
          datagramTooBigFailure(bytes.length, limit, limitWhy),
        ),
      )
      return
    }
    inFlight++
    socket.send(bytes, (err) => {
      inFlight--
      onWritten?.()
      // ECONNREFUSED here is ICMP port unreachable, answering an earlier datagram.
      if (err) fail(err)
      else maybeFinished()
    })
  }

  const onConnected = (): void => {
    if (phase !== 'connecting') return
    phase = 'open'
    events.onTargetConnect()
    const waiting = queue
    queue = []
    queuedBytes = 0
    for (const { bytes, onWritten } of waiting) send(bytes, onWritten)
    maybeFinished()
  }

  const connect = (address: string, family: 4 | 6): void => {
    if (phase !== 'resolving') return
    phase = 'connecting'
    const familyMax = family === 6 ? MAX_UDP_PAYLOAD_IPV6 : MAX_UDP_PAYLOAD_IPV4
    if (familyMax < limit) {
      limit = familyMax
      limitWhy = `the most one IPv${family} datagram carries`
    }
    const s = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' })
    socket = s
    s.on('error', fail)
    s.on('message', (datagram) => {
      // The page is gone: what the target still sends is dropped unread.
      if (phase === 'open' && !isLingering) events.onTargetData(datagram, 0)
    })
    s.on('close', onClose)
    s.on('connect', onConnected)
    s.connect(target.port, address)
  }

  const family = net.isIP(target.connectTo)
  if (family === 4 || family === 6) {
    // A checked address (client-chosen) or a route's literal IP: no lookup.
    connect(target.connectTo, family)
  } else {
    // A route's host name, the operator's: one lookup, like net.connect's.
    lookup(target.connectTo, {}, (err, found, fam) => {
      if (phase !== 'resolving') return
      // One address was asked for; a lookup that answers with all gives the first.
      const first =
        typeof found === 'string' ? { address: found, family: fam } : found[0]
      if (err) fail(err)
      else if (!first)
        fail(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }))
      else connect(first.address, first.family === 6 ? 6 : 4)
    })
  }

  return {
    get pendingBytes() {
      return (
        queuedBytes +
        (phase === 'open' && socket ? socket.getSendQueueSize() : 0)
      )
    },
    // A datagram that arrives is handed on at once; none waits unread.
    readableBytes: 0,
    get remoteAddress() {
      if (phase !== 'open' || !socket) return undefined
      return socket.remoteAddress().address
    },
    get isFinished() {
      return isFinished
    },
    get isWritable() {
      return phase !== 'closed' && !isEnded
    },
    write(bytes, onWritten) {
      if (phase === 'closed' || isEnded) return
      if (phase === 'open') {
        send(bytes, onWritten)
        return
      }
      queue.push({ bytes, onWritten })
      queuedBytes += bytes.length
    },
    end() {
      // No FIN in UDP: the page sends no more, the target's datagrams still come.
      isEnded = true
      maybeFinished()
    },
    pause: () => undefined,
    resume: () => undefined,
    linger(ms) {
      if (phase === 'closed') return
      isEnded = true
      isLingering = true
      lingerTimer = setTimeout(close, ms)
      lingerTimer.unref()
      maybeFinished()
    },
    destroy: close,
    unref: () => socket?.unref(),
  }
}
