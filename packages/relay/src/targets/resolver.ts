import dns from 'node:dns'
import { readFileSync } from 'node:fs'
import net, { type LookupFunction } from 'node:net'

/** One address a name resolves to. */
export interface ResolvedAddress {
  readonly address: string
  readonly family: number
}

/**
 * Resolves a host name to every address it has. `signal` aborts the wait:
 * the caller is gone and wants no answer. The library's `resolveHost` hook
 * has this shape, so tests can inject their own.
 */
export type ResolveHost = (
  host: string,
  signal?: AbortSignal,
) => Promise<readonly ResolvedAddress[]>

/** What a connection (TCP, or any later transport) asks of the name resolver. */
export interface Resolver {
  resolve(
    host: string,
    signal: AbortSignal,
  ): Promise<readonly ResolvedAddress[]>
}

/** Why a lookup did not happen: the bounds were full (close 1013) or the wait timed out (4001). */
export class LookupRefused extends Error {
  override name = 'LookupRefused'
  constructor(
    readonly code: 'RELAY_LOOKUPS_BUSY' | 'ETIMEOUT' | 'ABORT_ERR',
    message: string,
  ) {
    super(message)
  }
}

const asError = (err: unknown): Error =>
  err instanceof Error ? err : new Error(String(err))

/** How long an AAAA answer may lag an A answer that came, in ms (RFC 8305's resolution delay). */
const SECOND_FAMILY_GRACE_MS = 50

/** How long /etc/hosts is trusted before it is read again, in ms. */
const HOSTS_FILE_TTL_MS = 5000

/**
 * Names in a hosts file (`/etc/hosts`): `localhost` and the like, as the
 * system resolver would answer them first. Read at most every 5 s (a few
 * hundred bytes), never for each lookup.
 */
export function createHostsFile(
  read: () => string = () => readFileSync('/etc/hosts', 'utf8'),
  now: () => number = Date.now,
) {
  let names = new Map<string, ResolvedAddress[]>()
  let readAt = -Infinity
  return (host: string): readonly ResolvedAddress[] | undefined => {
    if (now() - readAt > HOSTS_FILE_TTL_MS) {
      readAt = now()
      names = new Map()
      let text = ''
      try {
        text = read()
      } catch {
        // No hosts file: every name goes to DNS.
      }
      for (const line of text.split('\n')) {
        const [address, ...aliases] = line
          .replace(/#.*/, '')
          .trim()
          .split(/\s+/)
        const family = net.isIP(address ?? '')
        if (!address || family === 0) continue
        for (const alias of aliases) {
          const key = alias.toLowerCase()
          const list = names.get(key) ?? []
          list.push({ address, family })
          names.set(key, list)
        }
      }
    }
    return names.get(host.toLowerCase().replace(/\.$/, ''))
  }
}

/**
 * Client-chosen names go to DNS through c-ares (`dns.Resolver`), never
 * through `getaddrinfo` on libuv's thread pool: a slow name then costs a
 * pending query, not one of the four threads that file reads and the
 * operator's own names need. Names in /etc/hosts are answered from it
 * first, as the system resolver would; the rest go to the system's DNS
 * servers (/etc/resolv.conf) or `servers`. The operator's names (fixed
 * target, routes) go through the system resolver, see
 * {@link createTargetNames}.
 */
export function createDnsLookup(
  servers: readonly string[],
  timeoutMs: number,
  hostsFile: (
    host: string,
  ) => readonly ResolvedAddress[] | undefined = createHostsFile(),
): ResolveHost {
  // Two tries, each a third of the time (c-ares doubles the second): it
  // gives up about when the relay stops waiting.
  const resolver = new dns.promises.Resolver({
    timeout: Math.max(1, Math.ceil(timeoutMs / 3)),
    tries: 2,
  })
  if (servers.length > 0) resolver.setServers([...servers])
  return (host) => {
    const fromFile = hostsFile(host)
    if (fromFile) return Promise.resolve(fromFile)
    return new Promise((resolve, reject) => {
      const found: ResolvedAddress[][] = [[], []]
      const errors: unknown[] = []
      let settled = 0
      let grace: NodeJS.Timeout | undefined
      const done = (): void => {
        clearTimeout(grace)
        const all = [...(found[0] ?? []), ...(found[1] ?? [])]
        if (all.length > 0) resolve(all)
        else reject(asError(errors[0]))
      }
      const ask = (family: 4 | 6): void => {
        const query =
          family === 4 ? resolver.resolve4(host) : resolver.resolve6(host)
        query.then(
          (addresses) => {
            found[family === 4 ? 0 : 1] = addresses.map((address) => ({
              address,
              family,
            }))
          },
          (err: unknown) => {
            errors[family === 4 ? 0 : 1] = err
          },
        )
        void query
          .catch(() => undefined)
          .then(() => {
            settled++
            if (settled === 2) done()
            else if ((found[family === 4 ? 0 : 1]?.length ?? 0) > 0)
              grace ??= setTimeout(done, SECOND_FAMILY_GRACE_MS)
          })
      }
      // IPv4 first: the first allowed address is the one connected to.
      ask(4)
      ask(6)
    })
  }
}

/** The bounds of {@link createLookupQueue}. */
export interface LookupBounds {
  /** Lookups running at once, relay-wide. */
  readonly maxLookups: number
  /** Lookups one client IP may have running or waiting. */
  readonly maxLookupsPerIp: number
  /** How long a caller waits, queue included, before ETIMEOUT. */
  readonly timeoutMs: number
}

/** How many lookups wait per running slot before more are refused. */
export const LOOKUP_QUEUE_PER_SLOT = 4

/** The queue's counters, for tests and stats. */
export interface LookupQueueStats {
  readonly running: number
  readonly waiting: number
}

interface Waiter {
  readonly host: string
  readonly client: string
  readonly settle: (result: Promise<readonly ResolvedAddress[]>) => void
}

/**
 * The one door client-chosen names pass: at most `maxLookups` run at once;
 * up to four times as many wait, in order; one client IP has at most
 * `maxLookupsPerIp` running or waiting; past that a lookup is refused at
 * once (the caller closes 1013). Each caller waits at most `timeoutMs`. A
 * caller that leaves (its signal aborts) takes its waiting lookup with it;
 * one already running keeps its slot, and its IP's, until the DNS answer or
 * the DNS timeout, so leaving and coming back cannot run more than the
 * bounds allow.
 */
export function createLookupQueue(lookup: ResolveHost, bounds: LookupBounds) {
  const { maxLookups, maxLookupsPerIp, timeoutMs } = bounds
  const maxWaiting = maxLookups * LOOKUP_QUEUE_PER_SLOT
  const waiting: Waiter[] = []
  const perIp = new Map<string, number>()
  let running = 0

  const take = (client: string): void => {
    perIp.set(client, (perIp.get(client) ?? 0) + 1)
  }
  const give = (client: string): void => {
    const left = (perIp.get(client) ?? 1) - 1
    if (left > 0) perIp.set(client, left)
    else perIp.delete(client)
  }

  const start = (host: string, client: string) => {
    running++
    let result: Promise<readonly ResolvedAddress[]>
    try {
      result = lookup(host)
    } catch (err) {
      result = Promise.reject(asError(err))
    }
    void result
      .catch(() => undefined)
      .then(() => {
        running--
        give(client)
        next()
      })
    return result
  }

  const next = (): void => {
    while (running < maxLookups) {
      const waiter = waiting.shift()
      if (!waiter) return
      waiter.settle(start(waiter.host, waiter.client))
    }
  }

  /** A resolver for the lookups of one client IP. */
  const forClient = (client: string): Resolver => ({
    resolve(host, signal) {
      if (net.isIP(host)) {
        return Promise.resolve([{ address: host, family: net.isIP(host) }])
      }
      const ofIp = perIp.get(client) ?? 0
      if (ofIp >= maxLookupsPerIp) {
        return Promise.reject(
          new LookupRefused(
            'RELAY_LOOKUPS_BUSY',
            `Too many name lookups from ${client} at once (--max-lookups-per-ip ${maxLookupsPerIp}). Try again later.`,
          ),
        )
      }
      if (running >= maxLookups && waiting.length >= maxWaiting) {
        return Promise.reject(
          new LookupRefused(
            'RELAY_LOOKUPS_BUSY',
            `The relay is resolving too many names at once (--max-lookups ${maxLookups}). Try again later.`,
          ),
        )
      }
      take(client)
      return new Promise((resolve, reject) => {
        let isDone = false
        const finish = (): void => {
          isDone = true
          clearTimeout(timer)
          signal.removeEventListener('abort', onAbort)
        }
        const timer = setTimeout(() => {
          if (isDone) return
          finish()
          leaveQueue()
          reject(
            new LookupRefused(
              'ETIMEOUT',
              `No DNS answer within ${timeoutMs} ms (ETIMEOUT).`,
            ),
          )
        }, timeoutMs)
        const onAbort = (): void => {
          if (isDone) return
          finish()
          leaveQueue()
          reject(new LookupRefused('ABORT_ERR', 'The client left.'))
        }
        const waiter: Waiter = {
          host,
          client,
          settle: (result) => {
            result.then(
              (addresses) => {
                if (isDone) return
                finish()
                resolve(addresses)
              },
              (err: unknown) => {
                if (isDone) return
                finish()
                reject(asError(err))
              },
            )
          },
        }
        /** A caller that stops waiting before its lookup started gives its place back. */
        const leaveQueue = (): void => {
          const at = waiting.indexOf(waiter)
          if (at === -1) return
          waiting.splice(at, 1)
          give(client)
        }
        if (signal.aborted) {
          onAbort()
          return
        }
        signal.addEventListener('abort', onAbort, { once: true })
        if (running < maxLookups) waiter.settle(start(host, client))
        else waiting.push(waiter)
      })
    },
  })

  return {
    forClient,
    stats: (): LookupQueueStats => ({ running, waiting: waiting.length }),
  }
}

/** The lookup queue's face. */
export type LookupQueue = ReturnType<typeof createLookupQueue>

/** How long the operator's names (fixed target, routes) are used before they are looked up again, in ms. */
export const TARGET_NAME_TTL_MS = 30_000

interface CachedName {
  addresses: readonly ResolvedAddress[]
  at: number
  pending: Promise<readonly ResolvedAddress[]> | undefined
}

/** The system resolver (getaddrinfo: /etc/hosts, nsswitch), every address in its order. */
export const systemLookup: ResolveHost = (host) =>
  dns.promises.lookup(host, { all: true, verbatim: true })

/**
 * The operator's names (the fixed target and routes), apart from anything a
 * client chooses: looked up at start through the system resolver, one
 * lookup per name at a time however many connections wait for it, and
 * again in the background once older than {@link TARGET_NAME_TTL_MS}
 * (connections meanwhile use the last answer). A connection never waits
 * behind a client-chosen name, and a crowd on one route makes one lookup,
 * not one each.
 */
export function createTargetNames(
  lookup: ResolveHost = systemLookup,
  now: () => number = Date.now,
) {
  const names = new Map<string, CachedName>()

  const refresh = (host: string, entry: CachedName) => {
    entry.pending ??= lookup(host).then(
      (addresses) => {
        entry.addresses = addresses
        entry.at = now()
        entry.pending = undefined
        return addresses
      },
      (err: unknown) => {
        entry.pending = undefined
        // Keep the last good answer; only a name never resolved fails.
        if (entry.addresses.length > 0) return entry.addresses
        throw err
      },
    )
    return entry.pending
  }

  /** Every address of an operator's name: cached, or the one lookup in flight. */
  const addressesOf = (host: string): Promise<readonly ResolvedAddress[]> => {
    const family = net.isIP(host)
    if (family !== 0) return Promise.resolve([{ address: host, family }])
    let entry = names.get(host)
    if (!entry) {
      entry = { addresses: [], at: 0, pending: undefined }
      names.set(host, entry)
    }
    if (entry.addresses.length === 0 || entry.at === -Infinity)
      return refresh(host, entry)
    if (now() - entry.at > TARGET_NAME_TTL_MS)
      void refresh(host, entry).catch(() => undefined)
    return Promise.resolve(entry.addresses)
  }

  /** `net.connect`'s lookup for the operator's names: Node still tries each address (happy eyeballs). */
  const connectLookup: LookupFunction = (host, options, callback) => {
    addressesOf(host).then(
      (all) => {
        const wanted = all.filter(
          (a) => !options.family || a.family === options.family,
        )
        if (wanted.length === 0) {
          const err = Object.assign(
            new Error(`No address of family ${options.family} for ${host}`),
            { code: 'ENOTFOUND' },
          )
          callback(err, '', 0)
          return
        }
        if (options.all) callback(null, [...wanted])
        else callback(null, wanted[0]?.address ?? '', wanted[0]?.family ?? 4)
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    )
  }

  /**
   * A connection to `host` failed: its answer may be stale (a container
   * restarted on a new address), so the next connection waits for a fresh
   * lookup.
   */
  const forget = (host: string): void => {
    const entry = names.get(host)
    if (entry) entry.at = -Infinity
  }

  /** Looks up every name now (at start), so the first connections need not wait. */
  const warm = (hosts: readonly string[]): Promise<void> =>
    Promise.allSettled(hosts.map(addressesOf)).then(() => undefined)

  return { addressesOf, connectLookup, forget, warm }
}

/** The operator's names: see {@link createTargetNames}. */
export type TargetNames = ReturnType<typeof createTargetNames>
