import dgram from 'node:dgram'
import { EchoError } from './errors.js'
import { createLineEcho } from './line-echo.js'

const LF = 0x0a

/**
 * Line mode for one datagram: a datagram is a whole message, so each line
 * in it comes back followed by the suffix, the last one too when it has no
 * line ending; the answer is one datagram.
 */
export function echoDatagramLines(datagram: Buffer, suffix: string): Buffer {
  const hasEnding = datagram.at(-1) === LF
  const replies = createLineEcho(suffix)(
    hasEnding ? datagram : Buffer.concat([datagram, Buffer.from('\n')]),
  )
  const answer = Buffer.concat(replies)
  return hasEnding ? answer : answer.subarray(0, answer.length - 1)
}

/** A UDP echo socket: each datagram goes back to its sender as one datagram. */
export interface UdpEcho {
  readonly port: number
  /** Datagrams answered so far. */
  readonly datagrams: number
  close(): Promise<void>
}

/**
 * Binds a UDP socket on host:port and answers every datagram to whoever
 * sent it: the bytes as they are, or in line mode with the suffix. A UDP
 * server keeps no state per peer, so a flood costs it nothing but the
 * answers.
 */
export async function startUdpEcho(
  host: string,
  port: number,
  suffix: string | undefined,
  log: (line: string) => void,
): Promise<UdpEcho> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
  let datagrams = 0
  socket.on('message', (datagram, from) => {
    datagrams++
    const answer =
      suffix === undefined ? datagram : echoDatagramLines(datagram, suffix)
    socket.send(answer, from.port, from.address)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new EchoError(
          'ECHO_LISTEN_FAILED',
          `Cannot bind UDP ${host}:${port} (${err.code ?? err.message}). Is another server using the port?`,
          { cause: err },
        ),
      ),
    )
    socket.bind(port, host, () => {
      socket.removeAllListeners('error')
      resolve()
    })
  })
  // From here on an error is one datagram's (an ICMP answer to a reply): log it, keep serving.
  socket.on('error', (err: NodeJS.ErrnoException) =>
    log(`udp error ${err.code ?? err.message}`),
  )
  return {
    port: socket.address().port,
    get datagrams() {
      return datagrams
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
