import { once } from 'node:events'
import { spawn } from 'node:child_process'
import net from 'node:net'
import { createInterface } from 'node:readline'
import type { RawConnection } from './raw-ws.js'
import { eventOrClose, settle } from './relay-fixture.js'

/** What a bounded pump did. */
export interface PumpResult {
  readonly sentBytes: number
  readonly elapsedMs: number
}

/**
 * Writes `chunk` to the connection again and again until `totalBytes` went
 * out, `deadlineMs` passed, `stop()` says so, or the socket is gone. It only
 * writes when the socket has drained, so a relay that stops reading holds the
 * data in its kernel buffers, not in this process.
 */
export async function pump(
  conn: RawConnection,
  chunk: Buffer,
  totalBytes: number,
  deadlineMs: number,
  tick: () => boolean | void = () => undefined,
): Promise<PumpResult> {
  const started = Date.now()
  let sentBytes = 0
  while (
    sentBytes < totalBytes &&
    Date.now() - started < deadlineMs &&
    conn.isWritable &&
    conn.ending === undefined
  ) {
    if (tick() === true) break
    const flushed = conn.write(chunk)
    sentBytes += chunk.length
    if (!flushed) await drainedOrClosed(conn.socket, 250)
    else if (sentBytes % (chunk.length * 16) === 0)
      await new Promise<void>((r) => setImmediate(r))
  }
  return { sentBytes, elapsedMs: Date.now() - started }
}

/**
 * Resolves on 'drain', 'close' or after `ms`, and takes its listeners off
 * either way: a pump against a relay that stopped reading waits here again
 * and again, and must not pile up listeners.
 */
function drainedOrClosed(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    socket.once('drain', done)
    socket.once('close', done)
  })
}

/** A TCP listener that never accepts: its backlog is full, so connects to it stay pending. */
export interface StuckTarget {
  readonly port: number
  close(): Promise<void>
}

/**
 * Starts a python3 listener with backlog 0 and fills its queue, so the next
 * connection (the relay's) stays in SYN-SENT: a target "still connecting".
 */
export async function startStuckTarget(): Promise<StuckTarget> {
  const child = spawn(
    'python3',
    [
      '-c',
      'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  child.on('error', () => {
    // Reported as the missing port line below.
  })
  const lines = createInterface({ input: child.stdout })
  const [line] = (await once(lines, 'line')) as [string]
  const port = Number(line)
  const fillers: net.Socket[] = []
  for (let i = 0; i < 2; i++) {
    const s = net.connect({ host: '127.0.0.1', port })
    s.on('error', () => {
      // A filler only has to exist.
    })
    fillers.push(s)
  }
  await settle(eventOrClose(fillers[0] as net.Socket, 'connect'), 2000)
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy()
      child.stdin.end()
      child.kill('SIGKILL')
      await settle(once(child, 'exit'), 2000)
    },
  }
}
