import { createRequire } from 'node:module'

/** XORs `buffer` in place with the 4-byte `mask` (RFC 6455 5.3), starting at mask byte 0. */
export type Unmask = (buffer: Buffer, mask: Buffer) => void

/** The portable loop: what runs where bufferutil's native code cannot load. */
export const unmaskInJs: Unmask = (buffer, mask) => {
  const length = buffer.length
  for (let i = 0; i < length; i++)
    buffer[i] = (buffer[i] as number) ^ (mask[i & 3] as number)
}

/** bufferutil's native unmask, or undefined where it is not installed or cannot load. */
function loadNativeUnmask(): Unmask | undefined {
  try {
    const bufferutil = createRequire(import.meta.url)('bufferutil') as {
      unmask?: Unmask
    }
    return bufferutil.unmask
  } catch {
    // bufferutil is an optional dependency: the JS loop does the same work.
    return undefined
  }
}

const nativeUnmask = loadNativeUnmask()

/** Below this, a call into native code costs more than the loop (ws uses the same cut). */
const NATIVE_FROM_BYTES = 32

/** Unmasks `buffer` in place: native for larger payloads when available. */
export const unmask: Unmask = nativeUnmask
  ? (buffer, mask) => {
      if (buffer.length < NATIVE_FROM_BYTES) unmaskInJs(buffer, mask)
      else nativeUnmask(buffer, mask)
    }
  : unmaskInJs
