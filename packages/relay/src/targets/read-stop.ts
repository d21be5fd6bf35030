import type { Duplex } from 'node:stream'

/** Node's stream handle and readable state, as far as stopping reads goes (net and tls sockets). */
interface Internals {
  _handle?: { reading?: boolean; readStop?(): number }
  _readableState?: { highWaterMark: number; reading: boolean }
}

/**
 * Stops a socket's reads now; `resume()` starts them again. `pause()`
 * alone only stops the 'data' events: Node reads on, up to its buffer's
 * high-water mark plus one 64 KiB read. The memory budget must stop before
 * the next read, so this also stops the handle (as Node's own `pause()`
 * does for sockets with an `onread` buffer), tells the stream no read is
 * in flight (so `resume()` starts one), and sets its high-water mark to 0
 * (so a read already under way stops the handle once it lands). Node 20
 * internals, held by a test (`read-stop.integration.test.ts`).
 */
export function stopReadingNow(socket: Duplex | undefined): void {
  if (!socket) return
  socket.pause()
  const { _handle: handle, _readableState: state } =
    socket as unknown as Internals
  if (state) state.highWaterMark = 0
  if (handle?.reading === true && typeof handle.readStop === 'function') {
    handle.reading = false
    handle.readStop()
    if (state) state.reading = false
  }
}
