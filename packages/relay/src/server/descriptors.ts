import { readdirSync } from 'node:fs'
import type net from 'node:net'
import { fdsForRefusing } from '../settings/fd-limit.js'

/** How long a count of open descriptors is trusted, in ms. */
const COUNT_TTL_MS = 50

/** Open descriptors of this process (Linux /proc), or undefined where it cannot be read. */
export function openFdCount(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return undefined // not Linux: no count, no guard
  }
}

/**
 * The descriptor guard of a relay's own server. Every socket the server
 * accepts counts, refused ones included, for as long as it is open. When
 * the process nears its open-file limit (`ulimit -n`), fewer than the
 * descriptors kept for refusing left (`fdsForRefusing`), the relay is
 * tight: it admits no new
 * session (1013) and lets refused sockets go at once instead of after
 * their grace, so the descriptors it keeps are there to answer: a client
 * meets a 503 or a 1013, never a reset from a full descriptor table.
 */
export function createDescriptorGuard(
  fdLimit: number | undefined,
  count: () => number | undefined = openFdCount,
  now: () => number = Date.now,
) {
  let accepted = 0
  let base: number | undefined
  let counted = 0
  let countedAt = -Infinity
  let acceptedAtCount = 0

  /** Accepted sockets count from their accept to their close. */
  const track = (socket: net.Socket): void => {
    accepted++
    socket.once('close', () => accepted--)
  }

  /** True when fewer than the reserve of descriptors are left. */
  const isTight = (): boolean => {
    if (fdLimit === undefined) return false
    base ??= (count() ?? 0) - accepted
    // Each accepted socket may have a target: a cheap upper bound first.
    const reserve = fdsForRefusing(fdLimit)
    if (base + 2 * accepted < fdLimit - 2 * reserve) return false
    if (now() - countedAt > COUNT_TTL_MS) {
      counted = count() ?? 0
      countedAt = now()
      acceptedAtCount = accepted
    }
    // Sockets accepted since the count are open descriptors too.
    const open = counted + Math.max(0, accepted - acceptedAtCount)
    return open > fdLimit - reserve
  }

  return { track, isTight, accepted: () => accepted }
}

/** The descriptor guard: see {@link createDescriptorGuard}. */
export type DescriptorGuard = ReturnType<typeof createDescriptorGuard>
