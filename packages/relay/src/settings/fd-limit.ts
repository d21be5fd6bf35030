import { readFileSync } from 'node:fs'

/** File descriptors each connection uses: the browser's socket and the target's. */
export const FDS_PER_CONNECTION = 2
/** Descriptors kept for the listener, logs, static files and Node itself. */
export const FDS_RESERVED = 64

/**
 * The soft limit on open files (`ulimit -n`) from /proc/self/limits, or
 * undefined where that file does not exist (not Linux) or says "unlimited".
 */
export function openFileLimit(
  read: () => string = () => readFileSync('/proc/self/limits', 'utf8'),
): number | undefined {
  let text: string
  try {
    text = read()
  } catch {
    return undefined // not Linux: nothing to size from
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)
  if (!match || match[1] === 'unlimited') return undefined
  return Number(match[1])
}

/**
 * The connection limit the fd limit can hold. Past it, accept() fails with
 * EMFILE and clients get a reset instead of the 1013 the limit promises.
 */
export function connectionsWithinFdLimit(
  maxConnections: number,
  fdLimit: number | undefined,
): number {
  if (fdLimit === undefined) return maxConnections
  // The +1: a refused client still takes a socket until its 1013 is sent.
  const fits = Math.floor((fdLimit - FDS_RESERVED) / FDS_PER_CONNECTION) - 1
  return Math.max(1, Math.min(maxConnections, fits))
}
