import { lookup } from 'node:dns/promises'

/** Resolves a host name to every address it has (tests inject their own). */
export type ResolveHost = (
  host: string,
) => Promise<{ address: string; family: number }[]>

/**
 * The default resolver: the system's, every address, in its order. The one
 * place client-chosen names are resolved; bounds on it belong here.
 */
export const resolveWithDns: ResolveHost = (host) =>
  lookup(host, { all: true, verbatim: true })
