/** Names and addresses a loopback listener answers to. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1']

/** True when `host` is a loopback listen address. */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)

/** The host part of a Host header: lower case, no port, no brackets, no trailing dot. */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined
  const text = hostHeader.trim().toLowerCase()
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(text)
  if (bracketed) return bracketed[1]
  const plain = /^([a-z0-9.-]+?)\.?(?::\d{1,5})?$/.exec(text)
  return plain ? plain[1] : undefined
}

/** Which Host headers the relay answers; `undefined` host list means any. */
export interface HostAllowlist {
  /** Names allowed, or undefined when every Host is allowed. */
  readonly names: ReadonlySet<string> | undefined
  isAllowed(hostHeader: string | undefined): boolean
}

/**
 * The Host allowlist against DNS rebinding: a page on attacker.example, whose
 * name now points at 127.0.0.1, sends `Host: attacker.example`, and is
 * refused. On by default for loopback listeners (the relay's own names);
 * `--allow-host` adds names and turns it on for any listener; `*` turns it off.
 */
export function createHostAllowlist(
  listenHost: string,
  allowHost: readonly string[],
): HostAllowlist {
  if (allowHost.includes('*'))
    return { names: undefined, isAllowed: () => true }
  const names = new Set<string>()
  if (isLoopback(listenHost)) for (const n of LOOPBACK_NAMES) names.add(n)
  if (allowHost.length === 0 && !isLoopback(listenHost))
    return { names: undefined, isAllowed: () => true }
  names.add(listenHost.toLowerCase())
  for (const h of allowHost) {
    const name = hostnameOf(h)
    if (name) names.add(name)
  }
  return {
    names,
    isAllowed(hostHeader) {
      const name = hostnameOf(hostHeader)
      return name !== undefined && names.has(name)
    },
  }
}
