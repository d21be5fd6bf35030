import { readFileSync } from 'node:fs'
import { isLoopback } from '../upgrade/host-allowlist.js'

/** File descriptors each connection uses: the browser's socket and the target's. */
export const FDS_PER_CONNECTION = 2
/** Descriptors kept for the listener, logs, static files, DNS and Node itself. */
export const FDS_RESERVED = 64

/**
 * Descriptors kept for answering refusals: every connection the kernel
 * hands over takes one before it can be told 503 or 1013, so a burst of
 * refused clients needs room. A quarter of the limit, at most 1,024.
 */
export const fdsForRefusing = (fdLimit: number): number =>
  Math.min(1024, Math.ceil(fdLimit / 4))

/** The open-file limit that holds `maxConnections` with both reserves. */
export function fdLimitFor(maxConnections: number): number {
  const needed = (maxConnections + 1) * FDS_PER_CONNECTION + FDS_RESERVED
  const withQuarter = Math.ceil((needed * 4) / 3)
  return fdsForRefusing(withQuarter) < 1024 ? withQuarter : needed + 1024
}

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
  const fits =
    Math.floor(
      (fdLimit - FDS_RESERVED - fdsForRefusing(fdLimit)) / FDS_PER_CONNECTION,
    ) - 1
  return Math.max(1, Math.min(maxConnections, fits))
}

/**
 * The connection limit to run with: `maxConnections`, lowered to what the
 * open-file limit holds. The note is a warning only when it matters: the
 * operator asked for more than fits, or a relay serving the network (not
 * loopback; an attached relay counts as serving the network) lost more than
 * a tenth of its default. Otherwise (a dev relay on loopback, 20,000 fds
 * holding 9,455) it is a debug line; the `relay listening` line carries the
 * limit in use either way.
 */
export function clampToFdLimit(
  maxConnections: number,
  isGiven: boolean,
  listenHost: string | undefined,
  log: Record<'debug' | 'warn', (fields: object, msg: string) => void>,
  fdLimit = openFileLimit(),
): number {
  const fits = connectionsWithinFdLimit(maxConnections, fdLimit)
  if (fits < maxConnections) {
    const isLargeCut = fits < maxConnections * 0.9
    const servesNetwork = listenHost === undefined || !isLoopback(listenHost)
    const level = isGiven || (isLargeCut && servesNetwork) ? 'warn' : 'debug'
    log[level](
      { maxConnections: fits, fdLimit },
      `The open-file limit (${fdLimit}) holds only ${fits} connections, not ${maxConnections}: ` +
        `using ${fits}. Raise it (ulimit -n ${fdLimitFor(maxConnections)}) or set --max-connections.`,
    )
  }
  return fits
}
